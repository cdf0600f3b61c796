package redisstore

import (
	"context"
	"sync"

	"github.com/redis/go-redis/v9"
)

// batcher sends the commands of concurrent callers in shared pipelines: a
// caller's commands wait while the pipeline before them is in flight, then
// go with every other caller's that arrived meanwhile, in one write and one
// read. Under load that takes most of the system calls out of the hot
// paths (a create, a delivery's record) without delaying a caller when the
// store is idle: a lone caller's pipeline leaves at once.
type batcher struct {
	rdb  redis.UniversalClient
	once sync.Once
	jobs chan *batchJob
}

type batchJob struct {
	ctx  context.Context
	fill func(redis.Pipeliner)
	done chan struct{}
}

// maxBatch bounds the callers sharing one pipeline.
const maxBatch = 256

// batchLanes is how many pipelines may be in flight at once.
const batchLanes = 2

// do runs fill's commands in a shared pipeline and returns once they have
// been answered; each command carries its own result and error. Commands
// are sent even when ctx ends while they wait, so a caller always learns
// what became of them.
func (b *batcher) do(ctx context.Context, fill func(redis.Pipeliner)) {
	b.once.Do(func() {
		b.jobs = make(chan *batchJob, maxBatch*batchLanes)
		for range batchLanes {
			go b.lane()
		}
	})
	j := &batchJob{ctx: context.WithoutCancel(ctx), fill: fill, done: make(chan struct{})}
	b.jobs <- j
	<-j.done
}

// lane sends one pipeline at a time: the next job, and every job that is
// already waiting behind it.
func (b *batcher) lane() {
	batch := make([]*batchJob, 0, maxBatch)
	for j := range b.jobs {
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
	}
}
