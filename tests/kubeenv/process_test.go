package kubeenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLogTail(t *testing.T) {
	var long strings.Builder
	for i := 1; i <= 100; i++ {
		fmt.Fprintf(&long, "line %d\n", i)
	}
	tests := []struct {
		name, content, want string
		n                   int
	}{
		{"short", "a\nb\n", "a\nb", 5},
		{"last lines", long.String(), "line 99\nline 100", 2},
		{"empty", "", "", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "log")
			require.NoError(t, os.WriteFile(p, []byte(tt.content), 0o600))
			assert.Equal(t, tt.want, logTail(p, tt.n))
		})
	}
}

func TestWaitHealthyReportsExit(t *testing.T) {
	dir := t.TempDir()
	p, err := startProcess("broken", dir, "/bin/sh", []string{"-c", "echo bad flag: --nope >&2; exit 3"})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = waitHealthy(ctx, p, httpClient(), "http://127.0.0.1:1/health", "ok")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "broken")
	assert.Contains(t, err.Error(), "exit status 3")
	assert.Contains(t, err.Error(), "bad flag: --nope", "the log tail is in the error")
}

func TestStopKillsAfterGrace(t *testing.T) {
	p, err := startProcess("stubborn", t.TempDir(), "/bin/sh", []string{"-c", "trap '' TERM; exec sleep 30"})
	require.NoError(t, err)
	time.Sleep(100 * time.Millisecond) // let the trap be installed
	start := time.Now()
	require.NoError(t, p.stop(200*time.Millisecond))
	assert.Less(t, time.Since(start), 5*time.Second)
	done, _ := p.exited()
	assert.True(t, done)
}
