// Package deploy has no code of its own. Its tests check the ways the two
// binaries are started outside Go tests — `make run`, the Dockerfile and
// docker-compose.yml — without Docker: the compose file is validated with
// Debian's docker-compose, the Dockerfile against the Makefile.
package deploy
