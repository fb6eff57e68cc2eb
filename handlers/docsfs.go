package handlers

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"

	swaggerFiles "github.com/swaggo/files/v2"
	"golang.org/x/net/webdav"
)

// docsFiles are the documentation UI's files for gin-swagger, which reads them
// through a webdav.FileSystem: read from the binary as they are asked for. The
// first version of swaggo/files copied all of them (10 MB) into the heap at start,
// where they cost every instance their memory and, under the soft memory limit of a
// server without a response cache, made the collector run about three times as
// often.
var docsFiles = &webdav.Handler{FileSystem: readOnlyFS{swaggerFiles.FS}, LockSystem: webdav.NewMemLS()}

// readOnlyFS is a webdav.FileSystem over an fs.FS that refuses every change.
type readOnlyFS struct{ fsys fs.FS }

var errReadOnly = errors.New("read-only file system")

func (readOnlyFS) Mkdir(context.Context, string, os.FileMode) error { return errReadOnly }
func (readOnlyFS) RemoveAll(context.Context, string) error          { return errReadOnly }
func (readOnlyFS) Rename(context.Context, string, string) error     { return errReadOnly }

func (r readOnlyFS) Stat(_ context.Context, name string) (os.FileInfo, error) {
	return fs.Stat(r.fsys, fsName(name))
}

func (r readOnlyFS) OpenFile(_ context.Context, name string, flag int, _ os.FileMode) (webdav.File, error) {
	if flag != os.O_RDONLY {
		return nil, errReadOnly
	}
	f, err := r.fsys.Open(fsName(name))
	if err != nil {
		return nil, err
	}
	return readOnlyFile{f}, nil
}

// fsName turns webdav's slash-rooted name into an fs.FS name.
func fsName(name string) string {
	if name = path.Clean("/" + name)[1:]; name == "" {
		return "."
	}
	return name
}

// readOnlyFile is a webdav.File over an fs.File: embedded files can seek, which
// http.ServeContent needs.
type readOnlyFile struct{ fs.File }

func (f readOnlyFile) Seek(offset int64, whence int) (int64, error) {
	if s, ok := f.File.(io.Seeker); ok {
		return s.Seek(offset, whence)
	}
	return 0, errors.ErrUnsupported
}

func (f readOnlyFile) Readdir(count int) ([]fs.FileInfo, error) {
	d, ok := f.File.(fs.ReadDirFile)
	if !ok {
		return nil, errors.ErrUnsupported
	}
	entries, err := d.ReadDir(count)
	infos := make([]fs.FileInfo, 0, len(entries))
	for _, e := range entries {
		if fi, err := e.Info(); err == nil {
			infos = append(infos, fi)
		}
	}
	return infos, err
}

func (readOnlyFile) Write([]byte) (int, error) { return 0, errReadOnly }
