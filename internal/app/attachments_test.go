package app_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/auth"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store/storetest"
)

// Test files, built rather than stored so that the tests say what each is.

func testPDF() []byte {
	return []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
}

func testPNG(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func testJPEG(t testing.TB) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 2, 2)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// zipFile is one entry of a test archive.
type zipFile struct {
	name    string
	content []byte
	mode    fs.FileMode
}

func testZip(t testing.TB, files ...zipFile) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate}
		if f.mode != 0 {
			h.SetMode(f.mode)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(f.content); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var docxParts = []zipFile{
	{name: "[Content_Types].xml", content: []byte(`<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`)},
	{name: "word/document.xml", content: []byte(`<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>`)},
}

func testDOCX(t testing.TB, extra ...zipFile) []byte {
	return testZip(t, append(append([]zipFile(nil), docxParts...), extra...)...)
}

// storedFiles lists the files under the attachment directory, relative to
// it, and checks that nothing else was created beside it.
func storedFiles(t testing.TB, e *apptest.Env) []string {
	t.Helper()
	root := e.App.Config().Cases.AttachmentDir
	if parent, err := os.ReadDir(filepath.Dir(root)); err == nil {
		for _, d := range parent {
			if d.Name() != filepath.Base(root) {
				t.Errorf("a file was created outside the attachment directory: %s", d.Name())
			}
		}
	}
	var out []string
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

var storedName = regexp.MustCompile(`^[0-9a-f]{2}/[0-9a-f]{8}-[0-9a-f]{4}-[47][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestAttachments (SEC-34, security.md rows 10 and 11): files are accepted
// by their content, stored under generated names inside the attachment
// directory whatever their names say, refused with 415 when the content is
// not an accepted type or disagrees with the name, and with 413 over the
// limit, with nothing written; downloads are audited and scoped.
func TestAttachments(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		cfg := app.DefaultConfig()
		cfg.PasswordParams = auth.MinimumParams
		cfg.RequireMFA = false
		cfg.Cases.AttachmentMaxBytes = 256 << 10
		e := apptest.New(t, engine, apptest.Options{Config: &cfg})
		prac, police := e.RoleActor(hub.RolePractitioner), e.RoleActor(hub.RolePolice)
		p := e.NewPerson(t, "856", app.PersonInput{GivenName: "Attach", FamilyName: "Ment"})
		c, err := e.App.OpenCase(ctx, prac, openCaseInput(e, p, e.Users[hub.RolePractitioner]))
		if err != nil {
			t.Fatal(err)
		}
		n, err := e.App.AddNote(ctx, prac, c.ID, app.NoteInput{Kind: "information", Body: "Letter from the school."})
		if err != nil {
			t.Fatal(err)
		}

		accepted := []struct {
			name, file, wantName, wantType string
			content                        []byte
		}{
			{"pdf", "letter.pdf", "letter.pdf", app.TypePDF, testPDF()},
			{"png", "photo.PNG", "photo.PNG", app.TypePNG, testPNG(t)},
			{"jpeg", "photo.jpeg", "photo.jpeg", app.TypeJPEG, testJPEG(t)},
			{"docx", "minutes.docx", "minutes.docx", app.TypeDOCX, testDOCX(t)},
			{"no extension", "scan", "scan.pdf", app.TypePDF, testPDF()},
			// Names that try to climb out, or mean something to Windows,
			// are only ever display names.
			{"unix traversal", "../../etc/passwd.pdf", "passwd.pdf", app.TypePDF, testPDF()},
			{"windows traversal", `..\..\boot.ini.pdf`, "boot.ini.pdf", app.TypePDF, testPDF()},
			{"absolute path", "/abs/path/x.pdf", "x.pdf", app.TypePDF, testPDF()},
			{"encoded traversal", "%2e%2e%2fx.pdf", "%2e%2e%2fx.pdf", app.TypePDF, testPDF()},
			{"NUL", "file\x00.pdf", "file.pdf", app.TypePDF, testPDF()},
			{"device name", "CON.pdf", "file-CON.pdf", app.TypePDF, testPDF()},
			{"unicode slash", "a\uff0fb.pdf", "b.pdf", app.TypePDF, testPDF()},
			{"bidi override", "invoice\u202egpj.pdf", "invoicegpj.pdf", app.TypePDF, testPDF()},
			{"long", strings.Repeat("n", 300) + ".pdf", strings.Repeat("n", 96) + ".pdf", app.TypePDF, testPDF()},
			{"dots only", "...", "attachment.pdf", app.TypePDF, testPDF()},
		}
		for _, tt := range accepted {
			t.Run("accept/"+tt.name, func(t *testing.T) {
				var at *hub.Attachment
				ev := audited(t, e, func() (err error) { at, err = e.App.AddAttachment(ctx, prac, n.ID, tt.file, tt.content); return err })
				checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActCreate, ObjectType: "attachment", ObjectID: at.ID, SubjectID: p.ID, Outcome: hub.OutcomeSuccess})
				if at.Name != tt.wantName || at.ContentType != tt.wantType || at.Size != int64(len(tt.content)) {
					t.Errorf("attachment = name %q type %q size %d, want %q %q %d", at.Name, at.ContentType, at.Size, tt.wantName, tt.wantType, len(tt.content))
				}
				if !storedName.MatchString(at.StoredName) {
					t.Errorf("stored name %q is not generated", at.StoredName)
				}
				// Download: the same bytes, audited as an export.
				var got []byte
				ev = audited(t, e, func() error {
					a2, body, err := e.App.OpenAttachment(ctx, police, at.ID)
					if err != nil {
						return err
					}
					defer body.Close()
					if a2.Name != at.Name {
						t.Errorf("downloaded name %q", a2.Name)
					}
					got, err = io.ReadAll(body)
					return err
				})
				checkEvent(t, ev, wantEvent{ActorID: police.ID, Action: hub.ActExport, ObjectType: "attachment", ObjectID: at.ID, SubjectID: p.ID, Outcome: hub.OutcomeSuccess})
				if !bytes.Equal(got, tt.content) {
					t.Error("downloaded content differs from the upload")
				}
			})
		}
		for _, f := range storedFiles(t, e) {
			if !storedName.MatchString(f) {
				t.Errorf("attachment directory holds %q, not a generated name", f)
			}
		}
		stored := len(storedFiles(t, e))
		if stored != len(accepted) {
			t.Errorf("%d files stored, want %d", stored, len(accepted))
		}

		var bomb bytes.Buffer
		bomb.Write(make([]byte, 8<<20))
		refusedFiles := []struct {
			name, file, code string
			content          []byte
		}{
			{"html named pdf", "x.pdf", hub.EUnsupported, []byte("<!DOCTYPE html><html><script>alert(1)</script></html>")},
			{"svg named pdf", "x.pdf", hub.EUnsupported, []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)},
			{"pdf html polyglot", "x.pdf", hub.EUnsupported, []byte("%PDF-1.4\n<html><body><script>alert(1)</script></body></html>")},
			{"exe named jpg", "x.jpg", hub.EUnsupported, append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 64)...)},
			{"png named pdf", "x.pdf", hub.EUnsupported, testPNG(t)},
			{"pdf named html", "x.html", hub.EUnsupported, testPDF()},
			{"plain zip", "x.docx", hub.EUnsupported, testZip(t, zipFile{name: "a.txt", content: []byte("hello")})},
			{"zip slip", "x.docx", hub.EUnsupported, testDOCX(t, zipFile{name: "../../evil.sh", content: []byte("rm -rf /")})},
			{"zip bomb", "x.docx", hub.EUnsupported, testDOCX(t, zipFile{name: "word/media/big.bin", content: bomb.Bytes()})},
			{"zip symlink", "x.docx", hub.EUnsupported, testDOCX(t, zipFile{name: "word/link", content: []byte("/etc/passwd"), mode: fs.ModeSymlink | 0o777})},
			{"docx with macros", "x.docx", hub.EUnsupported, testDOCX(t, zipFile{name: "word/vbaProject.bin", content: []byte("macro")})},
			{"truncated zip", "x.docx", hub.EUnsupported, []byte("PK\x03\x04garbage")},
			{"empty", "x.pdf", hub.EInvalid, nil},
			{"over the limit", "x.pdf", hub.ETooLarge, append(testPDF(), make([]byte, 256<<10)...)},
		}
		for _, tt := range refusedFiles {
			t.Run("refuse/"+tt.name, func(t *testing.T) {
				refusedCase(t, e, tt.code, "file", 0, func() error { _, err := e.App.AddAttachment(ctx, prac, n.ID, tt.file, tt.content); return err })
				if got := len(storedFiles(t, e)); got != stored {
					t.Errorf("%d files stored after a refusal, want %d", got, stored)
				}
			})
		}
		// The size check reads no more than the limit.
		if _, err := e.App.ReadAttachment(io.MultiReader(bytes.NewReader(make([]byte, 256<<10)), strings.NewReader("x"), failingReader{})); hub.ErrorCode(err) != hub.ETooLarge {
			t.Errorf("ReadAttachment over the limit = %v, want too large before reading on", err)
		}

		// Out of scope: uploads and downloads answer not found (audited),
		// and no file is left behind.
		county := e.Actor(e.NewUser(t, "county.police", hub.AgencyPolice, []hub.Role{hub.RolePolice}, "855"))
		refusedCase(t, e, hub.ENotFound, "", 1, func() error { _, err := e.App.AddAttachment(ctx, county, n.ID, "x.pdf", testPDF()); return err })
		if got := len(storedFiles(t, e)); got != stored {
			t.Errorf("a refused upload left a file: %d stored, want %d", got, stored)
		}
		cv, _ := e.App.ViewNote(ctx, prac, n.ID)
		refusedCase(t, e, hub.ENotFound, "", 1, func() error { _, _, err := e.App.OpenAttachment(ctx, county, cv.Note.Attachments[0].ID); return err })
		if _, _, err := e.App.OpenAttachment(ctx, police, hub.NewID()); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("OpenAttachment(missing) = %v", err)
		}
		if _, err := e.App.AddAttachment(ctx, e.RoleActor(hub.RoleNurse), n.ID, "x.pdf", testPDF()); hub.ErrorCode(err) != hub.EForbidden {
			t.Errorf("a nurse (case.read only) attaching = %v, want forbidden", err)
		}
	})
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) {
	return 0, errors.New("read past the limit")
}
