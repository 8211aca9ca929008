package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Memory and CPU figures come from /proc: they are what the kernel charges the process, with
// no cooperation from the server (the baseline and wagate are measured the same way).

// memKB reads a field such as VmRSS or VmHWM (peak RSS) of /proc/<pid>/status, in kB.
func memKB(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range bytes.Lines(b) {
		if rest, ok := bytes.CutPrefix(line, []byte(field+":")); ok {
			f := strings.Fields(string(rest))
			if len(f) == 0 {
				break
			}
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}

// clockTick is USER_HZ, the unit of /proc/<pid>/stat's CPU times; 100 on every Linux build Go
// supports.
const clockTick = 10 * time.Millisecond

// procCPU returns the user+system CPU time and the command name of a process.
func procCPU(pid int) (time.Duration, string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, "", err
	}
	// The command name is in parentheses and may hold spaces; fields resume after the last ')'.
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return 0, "", fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 13 {
		return 0, "", fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64) // field 14 of stat
	stime, _ := strconv.ParseInt(f[12], 10, 64) // field 15
	return time.Duration(utime+stime) * clockTick, string(b[open+1 : end]), nil
}

// postgresCPU is the CPU time of every process named postgres, by pid: the backends serving the
// servers' connections, plus the background workers.
func postgresCPU() map[int]time.Duration {
	out := map[int]time.Duration{}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		if cpu, comm, err := procCPU(pid); err == nil && comm == "postgres" {
			out[pid] = cpu
		}
	}
	return out
}

// cpuSince is the CPU postgres spent between two postgresCPU samples; a backend born in
// between counts from zero.
func cpuSince(before, after map[int]time.Duration) time.Duration {
	var d time.Duration
	for pid, t := range after {
		d += t - before[pid]
	}
	return d
}

// selfCPU is the CPU time of this process: the load generator.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// boxCPU reads the first line of /proc/stat: the CPU time all cores spent not idle, and the
// part of it in interrupts and softirqs. On loopback the latter is mostly the network stack
// working for the server and the load generator; kernels with interrupt time accounting charge
// it to no process (where they charge part of it to the running process, other() below comes
// out low, never negative).
func boxCPU() (busy, irq time.Duration) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line)) // cpu user nice system idle iowait irq softirq steal ...
	if len(f) < 9 {
		return 0, 0
	}
	ticks := func(i int) time.Duration {
		n, _ := strconv.ParseInt(f[i], 10, 64)
		return time.Duration(n) * clockTick
	}
	irq = ticks(6) + ticks(7)
	return ticks(1) + ticks(2) + ticks(3) + irq + ticks(8), irq
}

// cpuSample is the CPU clocks of everything on the box that takes part in a run.
type cpuSample struct {
	at       time.Time
	server   time.Duration
	postgres map[int]time.Duration
	self     time.Duration
	box, irq time.Duration
}

func sampleCPU(serverPID int) cpuSample {
	s := cpuSample{at: time.Now(), postgres: postgresCPU(), self: selfCPU()}
	s.box, s.irq = boxCPU()
	s.server, _, _ = procCPU(serverPID)
	return s
}

// cpuUse is where the CPU went between two samples.
type cpuUse struct {
	wall                     time.Duration
	server, postgres, loader time.Duration
	irq                      time.Duration // interrupts and softirqs: mostly loopback TCP
	box                      time.Duration // all cores, all processes, interrupts included
}

// other is the CPU that went to none of the above: other processes on the machine.
func (u cpuUse) other() time.Duration { return max(0, u.box-u.server-u.postgres-u.loader-u.irq) }

// otherCores is other() as an average number of cores busy.
func (u cpuUse) otherCores() float64 { return float64(u.other()) / float64(u.wall) }

func cpuBetween(a, b cpuSample) cpuUse {
	return cpuUse{wall: b.at.Sub(a.at), server: b.server - a.server, postgres: cpuSince(a.postgres, b.postgres),
		loader: b.self - a.self, irq: b.irq - a.irq, box: b.box - a.box}
}
