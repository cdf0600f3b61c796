package redisstore

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// batcher sends the commands of concurrent callers in shared pipelines: a
// caller's commands wait while the pipeline before them is in flight, then
// go with every other caller's that arrived meanwhile, in one write and one
// read. Under load that takes most of the system calls out of the hot
// paths (a create, a delivery's record) without delaying a caller when the
// store is idle: a lone caller's pipeline leaves at once. Its goroutines
// (lanes) start with the first caller and stop after a while without any.
type batcher struct {
	rdb     redis.UniversalClient
	jobs    chan *batchJob
	running atomic.Int32
}

type batchJob struct {
	ctx  context.Context
	fill func(redis.Pipeliner)
	done chan struct{}
}

const (
	// maxBatch bounds the callers sharing one pipeline.
	maxBatch = 256
	// batchLanes is how many pipelines may be in flight at once.
	batchLanes = 2
	// laneIdle is how long a lane waits for work before it stops.
	laneIdle = 10 * time.Second
)

func newBatcher(rdb redis.UniversalClient) *batcher {
	return &batcher{rdb: rdb, jobs: make(chan *batchJob, maxBatch*batchLanes)}
}

// do runs fill's commands in a shared pipeline and returns once they have
// been answered; each command carries its own result and error. Commands
// are sent even when ctx ends while they wait, so a caller always learns
// what became of them.
func (b *batcher) do(ctx context.Context, fill func(redis.Pipeliner)) {
	j := &batchJob{ctx: context.WithoutCancel(ctx), fill: fill, done: make(chan struct{})}
	b.jobs <- j
	if b.running.Load() < batchLanes {
		if b.running.Add(1) <= batchLanes {
			go b.lane()
		} else {
			b.running.Add(-1)
		}
	}
	<-j.done
}

// lane sends one pipeline at a time: the next job, and every job that is
// already waiting behind it. It stops after laneIdle without work, unless
// work arrived as it was stopping.
func (b *batcher) lane() {
	batch := make([]*batchJob, 0, maxBatch)
	idle := time.NewTimer(laneIdle)
	defer idle.Stop()
	for {
		var j *batchJob
		select {
		case j = <-b.jobs:
		case <-idle.C:
			b.running.Add(-1)
			if len(b.jobs) == 0 {
				return
			}
			// A caller queued work while this lane was stopping, and may
			// have counted it as running: keep going.
			b.running.Add(1)
			idle.Reset(laneIdle)
			continue
		}
		batch = append(batch[:0], j)
	fill:
		for len(batch) < maxBatch {
			select {
			case more := <-b.jobs:
				batch = append(batch, more)
			default:
				break fill
			}
		}
		pipe := b.rdb.Pipeline()
		for _, j := range batch {
			j.fill(pipe)
		}
		// Every command's own error is read by its caller; a failed round
		// trip fails them all the same way.
		_, _ = pipe.Exec(batch[0].ctx)
		for _, j := range batch {
			close(j.done)
		}
		idle.Reset(laneIdle)
	}
}
