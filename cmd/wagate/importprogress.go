package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progressWriter is where an upload's progress is drawn: stderr when it is a terminal and
// --quiet was not given, else nowhere (nil), so that a script or a log gets the report alone.
func progressWriter(stderr io.Writer, quiet bool) io.Writer {
	f, ok := stderr.(*os.File)
	if quiet || !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return stderr
}

// uploadProgress counts the bytes of the file the request has sent. The server imports as it
// reads, so they track the import (give or take the sockets' buffers, a few MiB); once the
// whole file is sent, the server is still applying what it holds, which a spinner says until
// the answer comes.
type uploadProgress struct {
	w    io.Writer // nil: nothing is drawn
	size int64     // -1 when unknown

	mu       sync.Mutex
	bar      *progressbar.ProgressBar // the bytes, then the wait for the answer
	sent     int64
	applying bool
	stopped  bool
}

// newUploadProgress draws on w (nothing when it is nil) a bar of size bytes, or a spinner
// with the bytes sent when the size is unknown (-1).
func newUploadProgress(w io.Writer, size int64) *uploadProgress {
	p := &uploadProgress{w: w, size: size}
	if w == nil {
		return p
	}
	max := size
	if size <= 0 {
		max = -1 // a spinner: an empty file is done at once, and progressbar refuses a max of 0
	}
	p.bar = progressbar.NewOptions64(max,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("uploading"),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowTotalBytes(true),
		progressbar.OptionUseIECUnits(true), // KiB, MiB: as the "applying…" line counts
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionThrottle(100*time.Millisecond),
		// The report follows on stdout, often the same terminal: leave no bar above it.
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetRenderBlankState(true),
	)
	return p
}

// reader is r counted: each read advances the bar, and the end of r starts the wait.
func (p *uploadProgress) reader(r io.Reader) io.Reader {
	return &countingReader{r: r, p: p}
}

type countingReader struct {
	r io.Reader
	p *uploadProgress
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.p.add(n)
	if errors.Is(err, io.EOF) {
		c.p.sentAll()
	}
	return n, err
}

func (p *uploadProgress) add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent += int64(n)
	if p.bar != nil && !p.applying && !p.stopped && n > 0 {
		// Past a regular file's size (it grew) the bar is full; the count goes on.
		p.bar.Add(n)
	}
}

// sentAll replaces the bar by a spinner saying the server is applying the rest. The transport
// reads the body on its own goroutine: this may come after stop, and then draws nothing.
func (p *uploadProgress) sentAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.applying || p.stopped {
		return
	}
	p.applying = true
	if p.bar == nil {
		return
	}
	p.bar.Finish()
	p.bar = progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription(fmt.Sprintf("applying… (all %s sent; waiting for the server to import the rest)", humanBytes(p.sent))),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetRenderBlankState(true),
	)
}

// stop clears what is drawn: the answer came (or no answer will).
func (p *uploadProgress) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	p.stopped = true
	if p.bar != nil {
		p.bar.Finish()
	}
}

// humanBytes is n in the largest binary unit that keeps it at least 1.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
