package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/synapsejs/synapse-js/internal/fsutil"
	"github.com/synapsejs/synapse-js/internal/names"
	"github.com/synapsejs/synapse-js/internal/text"
)

// FileStore keeps connectors in a directory:
//
//	<dir>/<name>/v000001.js    the source of version 1 (.ts for TypeScript)
//	<dir>/<name>/v000001.json  its metadata (a Version), written after the source
//	<dir>/<name>/current       the number of the version that serves
//
// Every file is written to a temp file, fsynced, renamed into place, and the
// directory fsynced, so a crash at any moment leaves either the old file or
// the new one. A version exists once its metadata file does; an upload is
// complete once current names it. Delete renames the connector's directory
// out of the way (one atomic step) before removing it.
//
// Writers of one name are serialized by a lock in this FileStore value, so
// concurrent uploads each get their own version number. The lock is per
// process: two processes must not write the same directory at once.
type FileStore struct {
	dir string

	mu    sync.Mutex
	locks map[string]*sync.Mutex
	// now is the clock, replaceable in tests.
	now func() time.Time
}

const (
	currentFile = "current"
	trashPrefix = ".deleted-"
	tmpMarker   = fsutil.TempMarker
)

// OpenFile opens (creating it if needed) a FileStore in dir, and removes
// what a crash may have left behind: temp files, half-deleted connectors,
// version sources whose metadata was never written (an upload that was
// never acknowledged) and connector directories left empty by them.
func OpenFile(dir string) (*FileStore, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	s := &FileStore{dir: dir, locks: map[string]*sync.Mutex{}, now: time.Now}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, trashPrefix) || strings.Contains(n, tmpMarker) {
			_ = os.RemoveAll(filepath.Join(dir, n))
			continue
		}
		if e.IsDir() && names.Valid(n) {
			s.cleanLeftovers(filepath.Join(dir, n))
		}
	}
	return s, nil
}

// Dir is the store's directory.
func (s *FileStore) Dir() string { return s.dir }

func (s *FileStore) cleanLeftovers(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	withMeta := map[int]bool{}
	for _, e := range entries {
		if v, ext, ok := parseVersionFile(e.Name()); ok && ext == "json" {
			withMeta[v] = true
		}
	}
	left := 0
	for _, e := range entries {
		n := e.Name()
		path := filepath.Join(dir, n)
		if strings.HasPrefix(n, ".") && strings.Contains(n, tmpMarker) {
			_ = os.Remove(path)
			continue
		}
		// Put writes the source, then its metadata, then the current
		// pointer: a source without metadata was never acknowledged.
		if v, ext, ok := parseVersionFile(n); ok && ext != "json" && !withMeta[v] {
			_ = os.Remove(path)
			continue
		}
		left++
	}
	if left == 0 {
		_ = os.Remove(dir)
	}
	_ = syncDir(dir)
}

func (s *FileStore) lock(name string) func() {
	s.mu.Lock()
	l, ok := s.locks[name]
	if !ok {
		l = &sync.Mutex{}
		s.locks[name] = l
	}
	s.mu.Unlock()
	l.Lock()
	return l.Unlock
}

func (s *FileStore) nameDir(name string) (string, error) {
	if !names.Valid(name) {
		return "", fmt.Errorf("%q: %w", name, ErrInvalidName)
	}
	return filepath.Join(s.dir, name), nil
}

func versionBase(v int) string { return fmt.Sprintf("v%06d", v) }

// parseVersionFile returns the version number of a file named
// v000001.json, v000001.js or v000001.ts.
func parseVersionFile(n string) (int, string, bool) {
	if len(n) < 2 || n[0] != 'v' {
		return 0, "", false
	}
	base, ext, ok := strings.Cut(n[1:], ".")
	if !ok || (ext != "json" && ext != "js" && ext != "ts") {
		return 0, "", false
	}
	v, err := strconv.Atoi(base)
	if err != nil || v <= 0 {
		return 0, "", false
	}
	return v, ext, true
}

// Put implements Store.
func (s *FileStore) Put(ctx context.Context, name string, src []byte, meta Meta) (Version, error) {
	dir, err := s.nameDir(name)
	if err != nil {
		return Version{}, err
	}
	lang := meta.Lang
	if lang == "" {
		lang = "js"
	}
	if lang != "js" && lang != "ts" {
		return Version{}, fmt.Errorf("put %s: lang %q: want js or ts", name, lang)
	}
	if len(meta.Info) > 0 && !json.Valid(meta.Info) {
		return Version{}, fmt.Errorf("put %s: info is not valid JSON", name)
	}
	unlock := s.lock(name)
	defer unlock()
	if err := ctx.Err(); err != nil {
		return Version{}, fmt.Errorf("put %s: %w", name, err)
	}
	if err := os.Mkdir(dir, 0o750); err == nil {
		if err := syncDir(s.dir); err != nil {
			return Version{}, fmt.Errorf("put %s: %w", name, err)
		}
	} else if !errors.Is(err, fs.ErrExist) {
		return Version{}, fmt.Errorf("put %s: %w", name, err)
	}
	next, err := s.nextVersion(dir)
	if err != nil {
		return Version{}, fmt.Errorf("put %s: %w", name, err)
	}
	sum := sha256.Sum256(src)
	v := Version{
		Name:     name,
		Version:  next,
		SHA256:   hex.EncodeToString(sum[:]),
		Size:     int64(len(src)),
		Lang:     lang,
		Uploaded: s.now().UTC().Truncate(time.Millisecond),
		Methods:  meta.Methods,
		Info:     meta.Info,
		Uploader: meta.Uploader,
	}
	base := filepath.Join(dir, versionBase(next))
	if err := writeAtomic(base+"."+lang, src); err != nil {
		return Version{}, fmt.Errorf("put %s: %w", name, err)
	}
	mj, err := json.Marshal(v)
	if err != nil {
		return Version{}, fmt.Errorf("put %s: %w", name, err)
	}
	if err := writeAtomic(base+".json", append(mj, '\n')); err != nil {
		return Version{}, fmt.Errorf("put %s: %w", name, err)
	}
	if err := writeAtomic(filepath.Join(dir, currentFile), []byte(strconv.Itoa(next)+"\n")); err != nil {
		return Version{}, fmt.Errorf("put %s: %w", name, err)
	}
	return v, nil
}

// nextVersion is one more than the highest version number any file of the
// directory carries, so a number is never reused, not even one a crash left
// half written.
func (s *FileStore) nextVersion(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	top := 0
	for _, e := range entries {
		if v, _, ok := parseVersionFile(e.Name()); ok && v > top {
			top = v
		}
	}
	return top + 1, nil
}

// Current implements Store.
func (s *FileStore) Current(ctx context.Context, name string) (Version, error) {
	dir, err := s.nameDir(name)
	if err != nil {
		return Version{}, err
	}
	n, err := s.readCurrent(name, dir)
	if err != nil {
		return Version{}, err
	}
	return s.readMeta(name, dir, n)
}

func (s *FileStore) readCurrent(name, dir string) (int, error) {
	b, err := readSmall(filepath.Join(dir, currentFile))
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(dir); errors.Is(serr, fs.ErrNotExist) {
			return 0, fmt.Errorf("connector %s: %w", name, ErrNotFound)
		}
		return 0, fmt.Errorf("connector %s: %w", name, ErrNoCurrent)
	}
	if err != nil {
		return 0, fmt.Errorf("connector %s: read current: %w", name, err)
	}
	n, err := strconv.Atoi(string(bytes.TrimSpace(b)))
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("connector %s: current file holds %q, want a version number: %w", name, text.Truncate(string(b), 40), ErrCorrupt)
	}
	return n, nil
}

func (s *FileStore) readMeta(name, dir string, n int) (Version, error) {
	path := filepath.Join(dir, versionBase(n)+".json")
	b, err := readSmall(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Version{}, fmt.Errorf("connector %s version %d: %w", name, n, ErrNotFound)
	}
	if err != nil {
		return Version{}, fmt.Errorf("connector %s version %d: %w", name, n, err)
	}
	var v Version
	if err := json.Unmarshal(b, &v); err != nil {
		return Version{}, fmt.Errorf("connector %s version %d: metadata: %v: %w", name, n, err, ErrCorrupt)
	}
	if v.Version != n || v.Name != name || (v.Lang != "js" && v.Lang != "ts") || len(v.SHA256) != 64 {
		return Version{}, fmt.Errorf("connector %s version %d: metadata does not describe this version: %w", name, n, ErrCorrupt)
	}
	return v, nil
}

// Get implements Store. The source is checked against the SHA-256 its
// metadata recorded.
func (s *FileStore) Get(ctx context.Context, name string, version int) (Version, []byte, error) {
	dir, err := s.nameDir(name)
	if err != nil {
		return Version{}, nil, err
	}
	if version <= 0 {
		return Version{}, nil, fmt.Errorf("connector %s version %d: %w", name, version, ErrNotFound)
	}
	v, err := s.readMeta(name, dir, version)
	if err != nil {
		return Version{}, nil, err
	}
	path := filepath.Join(dir, versionBase(version)+"."+v.Lang)
	// Only a regular file of the recorded size is read: a data dir edited
	// by hand (a huge file, a FIFO) must not exhaust or block the server.
	if fi, err := os.Stat(path); err == nil && (!fi.Mode().IsRegular() || fi.Size() != v.Size) {
		return Version{}, nil, fmt.Errorf("connector %s version %d: source is not the %d-byte file its metadata records: %w", name, version, v.Size, ErrCorrupt)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Version{}, nil, fmt.Errorf("connector %s version %d: source missing: %w", name, version, ErrCorrupt)
		}
		return Version{}, nil, fmt.Errorf("connector %s version %d: %w", name, version, err)
	}
	sum := sha256.Sum256(src)
	if hex.EncodeToString(sum[:]) != v.SHA256 {
		return Version{}, nil, fmt.Errorf("connector %s version %d: source does not match its SHA-256: %w", name, version, ErrCorrupt)
	}
	return v, src, nil
}

// Versions implements Store. Unreadable metadata is skipped and reported
// in the returned error (ErrCorrupt) beside the versions that could be read.
func (s *FileStore) Versions(ctx context.Context, name string) ([]Version, error) {
	dir, err := s.nameDir(name)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("connector %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("connector %s: %w", name, err)
	}
	var out []Version
	var errs []error
	for _, e := range entries {
		n, ext, ok := parseVersionFile(e.Name())
		if !ok || ext != "json" {
			continue
		}
		v, err := s.readMeta(name, dir, n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, errors.Join(errs...)
}

// List implements Store.
func (s *FileStore) List(ctx context.Context) ([]string, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", s.dir, err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && names.Valid(e.Name()) {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

// SetCurrent implements Store.
func (s *FileStore) SetCurrent(ctx context.Context, name string, version int) error {
	dir, err := s.nameDir(name)
	if err != nil {
		return err
	}
	unlock := s.lock(name)
	defer unlock()
	if _, _, err := s.Get(ctx, name, version); err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, currentFile), []byte(strconv.Itoa(version)+"\n")); err != nil {
		return fmt.Errorf("set current %s: %w", name, err)
	}
	return nil
}

// Delete implements Store.
func (s *FileStore) Delete(ctx context.Context, name string) error {
	dir, err := s.nameDir(name)
	if err != nil {
		return err
	}
	unlock := s.lock(name)
	defer unlock()
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("connector %s: %w", name, ErrNotFound)
	}
	trash := filepath.Join(s.dir, trashPrefix+name+"-"+randomSuffix())
	if err := os.Rename(dir, trash); err != nil {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	if err := syncDir(s.dir); err != nil {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	if err := os.RemoveAll(trash); err != nil {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	return nil
}

func randomSuffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// writeAtomic writes a store file crash-safely.
func writeAtomic(path string, data []byte) error { return fsutil.WriteFileAtomic(path, data, 0o640) }

func syncDir(dir string) error { return fsutil.SyncDir(dir) }

var _ Store = (*FileStore)(nil)

// maxSmallFile bounds a current or metadata file.
const maxSmallFile = 1 << 20

// readSmall reads a current or metadata file, which must be a regular file
// of at most maxSmallFile: a data directory edited by hand (a FIFO, a
// device, a huge file) must neither block nor exhaust the server.
func readSmall(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxSmallFile {
		return nil, fmt.Errorf("%s is not a regular file of at most %d bytes: %w", filepath.Base(path), maxSmallFile, ErrCorrupt)
	}
	return os.ReadFile(path)
}
