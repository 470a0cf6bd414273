package journal

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"strconv"
	"time"
)

// lastBoot is when the host last booted (Linux: btime in /proc/stat), or zero when it
// cannot be known (another OS, /proc unreadable): Read then takes every file as
// possibly written before a restart, the safe side.
func lastBoot() time.Time {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return time.Time{}
	}
	defer f.Close()
	return parseBtime(f)
}

// parseBtime reads the "btime <seconds since the epoch>" line of /proc/stat; zero when
// there is none.
func parseBtime(r io.Reader) time.Time {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("btime "))
		if !ok {
			continue
		}
		secs, err := strconv.ParseInt(string(bytes.TrimSpace(rest)), 10, 64)
		if err != nil || secs <= 0 {
			return time.Time{}
		}
		return time.Unix(secs, 0)
	}
	return time.Time{}
}
