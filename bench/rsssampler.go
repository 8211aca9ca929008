package main

import (
	"fmt"
	"os"
	"sync"
	"time"
)

// rssSampler watches a process's resident memory while a run goes on: VmRSS every rssEvery,
// and VmHWM (the kernel's own peak) at the end, reset at the start where the kernel allows it,
// so that the peak is the run's and not that of whatever the process did before.
type rssSampler struct {
	pid      int
	hwmReset bool
	stopc    chan struct{}
	wg       sync.WaitGroup
	peak     int64 // kB
	samples  int
}

// sampleRSS resets pid's VmHWM and starts sampling its VmRSS.
func sampleRSS(pid int) *rssSampler {
	s := &rssSampler{pid: pid, stopc: make(chan struct{})}
	// Writing 5 to clear_refs resets the peak RSS (VmHWM) to the current RSS.
	s.hwmReset = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(rssEvery)
		defer t.Stop()
		for {
			if kb, err := memKB(pid, "VmRSS"); err == nil {
				s.peak = max(s.peak, kb)
				s.samples++
			}
			select {
			case <-s.stopc:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// stop ends the sampling and returns the highest sample and VmHWM, both in kB.
func (s *rssSampler) stop() (peak, hwm int64, err error) {
	close(s.stopc)
	s.wg.Wait()
	hwm, err = memKB(s.pid, "VmHWM")
	return s.peak, hwm, err
}

// hwmNote says what the VmHWM figure covers.
func (s *rssSampler) hwmNote() string {
	if s.hwmReset {
		return "VmHWM reset just before (clear_refs 5)"
	}
	return "VmHWM since the process started (the kernel refused the reset)"
}
