package audit

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// ErrPartialRecord is returned (wrapped) by [ParseCheckpointFile] when the
// file ends inside a record, as it may after a crash during an append.
var ErrPartialRecord = errors.New("audit: checkpoint file ends inside a record")

// Checkpoint file framing.
//
// A checkpoint file is a sequence of records, each a signed note followed by
// one empty line:
//
//	safehub.audit/dep-1          ┐
//	1000                         │ note text: one or more non-empty lines
//	q7Pk…base64 root…=           ┘
//	                               the note's own blank line
//	— safehub.audit/dep-1 AbC…   ┐ one or more signature lines, each
//	— witness.example Xyz…       ┘ starting "— " (U+2014, space)
//	                               the empty line that ends the record
//
// A note has exactly one blank line (between its text and its signatures)
// and its text holds no blank line, so the framing is unambiguous, the file
// stays readable with cat, and a record is complete only once its closing
// empty line is written: a torn append leaves a partial last record that
// [ParseCheckpointFile] reports instead of misreading.

var sigPrefix = []byte("— ")

// maxLine bounds one line of a checkpoint file.
const maxLine = 64 << 10

// ParseCheckpointFile reads an append-only file of signed checkpoints in the
// framing described above and returns the signed notes, oldest first, as
// [OpenCheckpoint] and [Verify] take them. It does not check signatures. If
// the file is malformed it returns the records before the bad one with an
// error; a file that ends inside its last record gives an error wrapping
// [ErrPartialRecord].
func ParseCheckpointFile(r io.Reader) ([][]byte, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), maxLine)
	// Split on "\n" alone: bufio.ScanLines would also drop a "\r", and the
	// notes must come back byte for byte.
	unterminated := false // the last line read has no "\n": a torn write
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			return i + 1, data[:i], nil
		}
		if atEOF && len(data) > 0 {
			unterminated = true
			return len(data), data, nil
		}
		return 0, nil, nil
	})
	var (
		notes [][]byte
		cur   []byte
		state = 0 // 0 text, 1 first signature, 2 more signatures
		line  = 0
		start = 1
	)
	for sc.Scan() {
		line++
		l := sc.Bytes()
		if unterminated {
			if len(cur) == 0 {
				start = line
			}
			return notes, fmt.Errorf("checkpoint file record at line %d: %w", start, ErrPartialRecord)
		}
		switch {
		case state == 0 && len(l) == 0 && len(cur) == 0:
			return notes, fmt.Errorf("checkpoint file line %d: empty line where a record should start", line)
		case state == 0 && len(l) == 0:
			state = 1
		case state == 0:
			// text line
		case len(l) == 0 && state == 2:
			notes = append(notes, cur)
			cur, state, start = nil, 0, line+1
			continue
		case bytes.HasPrefix(l, sigPrefix):
			state = 2
		default:
			return notes, fmt.Errorf("checkpoint file line %d: record at line %d: want a signature line: %w", line, start, errMalformedNote)
		}
		cur = append(cur, l...)
		cur = append(cur, '\n')
	}
	if err := sc.Err(); err != nil {
		return notes, fmt.Errorf("read checkpoint file after line %d: %w", line, err)
	}
	if len(cur) != 0 {
		return notes, fmt.Errorf("checkpoint file record at line %d: %w", start, ErrPartialRecord)
	}
	return notes, nil
}

var errMalformedNote = errors.New("malformed signed note")

// AppendCheckpointFile writes a signed note (from [SignCheckpoint]) to w as
// one record of a checkpoint file, in a single Write. Open the file with
// os.O_APPEND|os.O_CREATE|os.O_WRONLY and call Sync after appending: a
// checkpoint counts as published only once it is on stable storage.
func AppendCheckpointFile(w io.Writer, signed []byte) error {
	rec := make([]byte, 0, len(signed)+1)
	rec = append(rec, signed...)
	rec = append(rec, '\n')
	if notes, err := ParseCheckpointFile(bytes.NewReader(rec)); err != nil || len(notes) != 1 || !bytes.Equal(notes[0], signed) {
		return fmt.Errorf("append checkpoint: not one signed note: %w", errMalformedNote)
	}
	if _, err := w.Write(rec); err != nil {
		return fmt.Errorf("append checkpoint: %w", err)
	}
	return nil
}
