package kubeenv

import (
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFreePorts(t *testing.T) {
	for _, n := range []int{0, 1, 4, 16} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			ports, err := freePorts(n)
			require.NoError(t, err)
			require.Len(t, ports, n)
			seen := map[int]bool{}
			for _, p := range ports {
				assert.False(t, seen[p], "port %d returned twice", p)
				seen[p] = true
				l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
				require.NoError(t, err, "port %d should be free again", p)
				require.NoError(t, l.Close())
			}
		})
	}
}
