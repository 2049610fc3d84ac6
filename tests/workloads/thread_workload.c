// SPDX-License-Identifier: GPL-2.0
/*
 * Threads that name themselves, for the integration tests: the exporter
 * must count under the process's name (its thread-group leader's), never a
 * thread's.
 *
 *   thread_workload PREFIX THREADS WRITES SIZE
 *
 * The writer process PREFIX-w starts THREADS threads named PREFIX-tN; each
 * writes WRITES x SIZE bytes into one pipe, then sends SIGUSR1 to a thread
 * named PREFIX-rt of the reader process PREFIX-r, which reads the pipe to
 * its end.  Prints the truth in ipc_workload's form:
 *
 *   flow pipe PREFIX-w PREFIX-r MESSAGES BYTES
 *   flow pipe PREFIX-r PREFIX-w 1 4   (the reader thread's id, told back)
 *   signal 10 PREFIX-w PREFIX-r THREADS
 *   thread PREFIX-tN TID (one per writer thread, for the event checks)
 */
#define _GNU_SOURCE
#define WORKLOAD_NAME "thread_workload"
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "workload_kit.h"

#define MAX_THREADS 8

static int threads, writes, size;
static int data_pipe[2];
static pid_t reader_pid, reader_tid;
static pid_t writer_tids[MAX_THREADS];

static void name_thread(const char *role, int n)
{
	char name[16];

	snprintf(name, sizeof(name), "%s-%s%d", prefix, role, n);
	if (pthread_setname_np(pthread_self(), name))
		fail("pthread_setname_np %s", name);
}

static void *writer_thread(void *arg)
{
	int n = (int)(long)arg;
	char buf[4096];

	name_thread("t", n);
	writer_tids[n] = (pid_t)syscall(SYS_gettid);
	memset(buf, 'a' + n, sizeof(buf));
	for (int i = 0; i < writes; i++)
		if (write(data_pipe[1], buf, size) != size)
			die("write");
	if (syscall(SYS_tgkill, reader_pid, reader_tid, SIGUSR1) < 0)
		die("tgkill");
	return NULL;
}

/* The reader's thread: reads the pipe to its end; the bytes must add up. */
static void *reader_thread(void *arg)
{
	int *tid_pipe = arg;
	pid_t tid = (pid_t)syscall(SYS_gettid);
	long total = 0;
	char buf[65536];
	ssize_t n;

	name_thread("rt", 0);
	if (write(tid_pipe[1], &tid, sizeof(tid)) != sizeof(tid))
		die("write tid");
	while ((n = read(data_pipe[0], buf, sizeof(buf))) > 0)
		total += n;
	if (n < 0)
		die("read");
	if (total != (long)threads * writes * size)
		fail("reader got %ld bytes, want %ld", total, (long)threads * writes * size);
	return NULL;
}

static int run_reader(int tid_pipe[2])
{
	pthread_t t;
	sigset_t usr1;

	set_name("r");
	/* the signals stay pending: nobody dies of them */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	close(data_pipe[1]);
	close(tid_pipe[0]);
	if (pthread_create(&t, NULL, reader_thread, tid_pipe))
		fail("pthread_create");
	pthread_join(t, NULL);
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t t[MAX_THREADS];
	int tid_pipe[2];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 5) {
		fprintf(stderr, "usage: thread_workload PREFIX THREADS WRITES SIZE\n");
		return 2;
	}
	prefix = argv[1];
	threads = atoi(argv[2]);
	writes = atoi(argv[3]);
	size = atoi(argv[4]);
	if (threads < 1 || threads > MAX_THREADS || writes < 1 || size < 1 || size > 4096 || strlen(prefix) > 10) {
		fprintf(stderr, "thread_workload: THREADS 1..%d, WRITES >= 1, SIZE 1..4096, PREFIX <= 10 bytes\n",
			MAX_THREADS);
		return 2;
	}
	if (pipe(data_pipe) || pipe(tid_pipe))
		die("pipe");
	reader_pid = fork();
	if (reader_pid < 0)
		die("fork");
	if (reader_pid == 0)
		exit(run_reader(tid_pipe));
	set_name("w");
	close(data_pipe[0]);
	close(tid_pipe[1]);
	if (read(tid_pipe[0], &reader_tid, sizeof(reader_tid)) != sizeof(reader_tid))
		fail("no reader thread id");
	for (int i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, writer_thread, (void *)(long)i))
			fail("pthread_create");
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	close(data_pipe[1]);
	if (wait_for(reader_pid))
		return 1;
	printf("flow pipe %s-w %s-r %d %ld\n", prefix, prefix, threads * writes, (long)threads * writes * size);
	printf("flow pipe %s-r %s-w 1 %zu\n", prefix, prefix, sizeof(reader_tid));
	printf("signal %d %s-w %s-r %d\n", SIGUSR1, prefix, prefix, threads);
	for (int i = 0; i < threads; i++)
		printf("thread %s-t%d %d\n", prefix, i, (int)writer_tids[i]);
	return 0;
}
