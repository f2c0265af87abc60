package bench

import "testing"

// Start trusts a /healthz answer only once its own child has logged that
// it serves on the instance's address: another server may hold the port.
func TestServing(t *testing.T) {
	const addr = "127.0.0.1:40123"
	tests := []struct {
		name, output string
		want         bool
	}{
		{"own line", "time=2026-01-02T03:04:05Z level=INFO msg=serving url=http://127.0.0.1:40123 listen=127.0.0.1:40123 tls=off\n", true},
		{"among others", "level=INFO msg=\"cleaned stored remote data\"\nlevel=INFO msg=serving url=http://x listen=127.0.0.1:40123 tls=off\nlevel=INFO msg=ready\n", true},
		{"another address", "level=INFO msg=serving url=http://x listen=127.0.0.1:401234 tls=off\n", false},
		{"not yet", "level=INFO msg=\"theme compiled\"\n", false},
		{"bind failure", "kith serve: cannot listen on 127.0.0.1:40123: the port is in use\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := serving(tt.output, addr); got != tt.want {
				t.Errorf("serving(%q) = %v, want %v", tt.output, got, tt.want)
			}
		})
	}
}
