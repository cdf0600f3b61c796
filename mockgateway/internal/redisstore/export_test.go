package redisstore

// AssumeNoZaddLT makes the store mark due work as on a Redis older than
// 6.2, which knows no ZADD … LT.
func (s *Store) AssumeNoZaddLT() { s.zaddLT.Store(ltNo) }
