package gateway

import (
	"fmt"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/shared/envconfig"
)

// Schedule is a notification retry schedule: entry n is the delay before
// attempt n+1, counted from the event's creation for the first and from the
// end of the previous attempt after that. Its length is the number of attempts.
type Schedule []time.Duration

// SchedulePresets are the providers' published retry shapes (DESIGN §4).
var SchedulePresets = map[string]string{
	"wechat":   "0s,15s,15s,30s,3m,10m,20m,30m,30m,30m,1h,3h,3h,3h,6h,6h",
	"alipay":   "0s,4m,10m,10m,1h,2h,6h,15h",
	"standard": "0s,5s,5m,30m,2h,5h,10h,10h",
}

// ParseSchedule reads a preset name or a comma-separated list of durations.
func ParseSchedule(s string) (Schedule, error) {
	s = strings.TrimSpace(s)
	if preset, ok := SchedulePresets[s]; ok {
		s = preset
	}
	var out Schedule
	for _, part := range strings.Split(s, ",") {
		d, err := envconfig.ParseDuration(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("want wechat, alipay, standard or a list like 0s,15s,1m: %w", err)
		}
		out = append(out, d)
	}
	if len(out) == 0 || len(out) > 50 {
		return nil, fmt.Errorf("want between 1 and 50 attempts, got %d", len(out))
	}
	return out, nil
}

// Scale multiplies a delay by a time scale.
func Scale(d time.Duration, scale float64) time.Duration {
	return time.Duration(float64(d) * scale)
}
