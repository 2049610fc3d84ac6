// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "metrics/exposition.h"
#include "metrics/process_stats.h"

/* Boot time in seconds since the epoch, from /proc/stat's btime. */
static double boot_time_seconds(void)
{
	char line[256];
	double btime = 0;
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %lf", &btime) == 1)
			break;
	fclose(f);
	return btime;
}

static int count_open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *d;
	int n = 0;

	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n - 1;	/* the directory's own descriptor */
}

static void gauge(struct exposition *out, const char *name, const char *type, const char *help, double v)
{
	exposition_family(out, name, type, help);
	exposition_sample_double(out, name, NULL, 0, v);
}

void process_stats_render(struct exposition *out)
{
	unsigned long utime, stime, vsize;
	unsigned long long starttime;
	long rss, ticks = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	char buf[1024], *after_comm;
	struct rlimit nofile, address_space;
	FILE *f;
	size_t n;

	f = fopen("/proc/self/stat", "r");
	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The name may hold spaces and parentheses: parse after the last ')'. */
	after_comm = strrchr(buf, ')');
	if (!after_comm || sscanf(after_comm + 2,
				  "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d %*d %*d "
				  "%llu %lu %ld",
				  &utime, &stime, &starttime, &vsize, &rss) != 5)
		return;

	gauge(out, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.",
	      (double)(utime + stime) / (double)ticks);
	gauge(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
	      (double)rss * (double)page);
	gauge(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", (double)vsize);
	gauge(out, "process_start_time_seconds", "gauge",
	      "Start time of the process since unix epoch in seconds.",
	      boot_time_seconds() + (double)starttime / (double)ticks);
	gauge(out, "process_open_fds", "gauge", "Number of open file descriptors.", count_open_fds());
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0)
		gauge(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
		      (double)nofile.rlim_cur);
	/* unlimited is the largest rlim_t, 1.8446744073709552e+19, as Prometheus's Go client shows it */
	if (getrlimit(RLIMIT_AS, &address_space) == 0)
		gauge(out, "process_virtual_memory_max_bytes", "gauge",
		      "Maximum amount of virtual memory available in bytes.", (double)address_space.rlim_cur);
}
