// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "hotspot_attach.h"

/* How long a JVM may take to open its socket after the SIGQUIT: long on a loaded host. */
#define LISTENER_WAIT_SECONDS 30
/* How long a command may run: a full GC of a large heap takes its time. */
#define COMMAND_SECONDS 600
#define OUTPUT_LIMIT (1 << 20)

struct credentials {
	uid_t uid;
	gid_t gid;
};

/* "Key:\t..." from /proc/PID/status, its value (without the key) in @value. */
static int read_status_line(uint32_t pid, const char *key, char *value, size_t size)
{
	char path[64], line[512];
	size_t length = strlen(key);
	int err = -ENOENT;
	FILE *file;

	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/status", pid);
	file = fopen(path, "re");
	if (!file)
		return -errno;
	while (fgets(line, sizeof(line), file))
		if (!strncmp(line, key, length) && line[length] == ':') {
			snprintf(value, size, "%s", line + length + 1);
			err = 0;
			break;
		}
	fclose(file);
	return err;
}

int hotspot_attach__namespace_pid(uint32_t pid, uint32_t *nspid)
{
	char value[256], *last, *token, *save = NULL;
	int err = read_status_line(pid, "NSpid", value, sizeof(value));

	if (err)
		return err;
	last = NULL;
	for (token = strtok_r(value, " \t\n", &save); token; token = strtok_r(NULL, " \t\n", &save))
		last = token;
	if (!last)
		return -EINVAL;
	*nspid = (uint32_t)strtoul(last, NULL, 10);
	return *nspid ? 0 : -EINVAL;
}

/* The JVM's effective uid and gid: the owner its attach file must have. */
static int effective_credentials(uint32_t pid, struct credentials *credentials)
{
	char value[256];
	unsigned long real, effective;
	int err;

	err = read_status_line(pid, "Uid", value, sizeof(value));
	if (err)
		return err;
	if (sscanf(value, "%lu %lu", &real, &effective) != 2)
		return -EINVAL;
	credentials->uid = (uid_t)effective;
	err = read_status_line(pid, "Gid", value, sizeof(value));
	if (err)
		return err;
	if (sscanf(value, "%lu %lu", &real, &effective) != 2)
		return -EINVAL;
	credentials->gid = (gid_t)effective;
	return 0;
}

static bool is_socket(int directory, const char *name)
{
	struct stat status;

	return !fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) && S_ISSOCK(status.st_mode);
}

static void sleep_ms(long ms)
{
	struct timespec delay = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&delay, NULL);
}

/*
 * The JVM's /tmp, resolved inside its root: a symbolic link in a container
 * cannot point this root process at a host directory.
 */
static int open_tmp(uint32_t pid, int *out)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	char path[64];
	int root, tmp;

	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/root", pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	tmp = (int)syscall(SYS_openat2, root, "tmp", &how, sizeof(how));
	if (tmp < 0) {
		int err = -errno;

		close(root);
		return err;
	}
	close(root);
	*out = tmp;
	return 0;
}

/*
 * Has the JVM start its attach listener: an .attach_pid file in its /tmp,
 * owned as the JVM runs (it ignores one it does not own), then SIGQUIT,
 * then wait for the socket. The file goes again either way.
 */
static int start_listener(uint32_t pid, uint32_t nspid, const struct credentials *owner, int tmp,
			  const char *socket_name)
{
	char trigger[64];
	int fd, err = -ETIMEDOUT;
	long waited = 0, step = 20;

	snprintf(trigger, sizeof(trigger), ".attach_pid%" PRIu32, nspid);
	fd = openat(tmp, trigger, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno != EEXIST)
		return -errno;
	if (fd >= 0) {
		if (fchown(fd, owner->uid, owner->gid)) {
			err = -errno;
			close(fd);
			unlinkat(tmp, trigger, 0);
			return err;
		}
		close(fd);
	}
	if (kill((pid_t)pid, SIGQUIT)) {
		err = -errno;
		goto out;
	}
	while (waited < LISTENER_WAIT_SECONDS * 1000L) {
		if (is_socket(tmp, socket_name)) {
			err = 0;
			break;
		}
		sleep_ms(step);
		waited += step;
		if (step < 200)
			step *= 2;
	}
out:
	unlinkat(tmp, trigger, 0);
	return err;
}

/*
 * The JVM accepts a peer running as its own user (or root, on recent ones):
 * connect as its owner, then be root again.
 */
static int connect_as(const char *socket_path, const struct credentials *owner, int *out)
{
	struct sockaddr_un address = { .sun_family = AF_UNIX };
	uid_t uid = geteuid();
	gid_t gid = getegid();
	bool switched = false;
	int fd, err = 0;

	if (strlen(socket_path) >= sizeof(address.sun_path))
		return -ENAMETOOLONG;
	strcpy(address.sun_path, socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (uid == 0 && owner->uid != 0) {
		if (setegid(owner->gid) || seteuid(owner->uid)) {
			err = -errno;
			goto restore;
		}
		switched = true;
	}
	if (connect(fd, (struct sockaddr *)&address, sizeof(address)))
		err = -errno;
restore:
	if (switched || getegid() != gid) {
		/* back to root: cannot fail for a process that was root */
		if (seteuid(uid) || setegid(gid))
			err = err ? err : -errno;
	}
	if (err) {
		close(fd);
		return err;
	}
	*out = fd;
	return 0;
}

static int write_all(int fd, const char *bytes, size_t length)
{
	while (length) {
		ssize_t written = write(fd, bytes, length);

		if (written < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		bytes += written;
		length -= (size_t)written;
	}
	return 0;
}

/* Protocol 1: "1", "jcmd", the command line, two empty arguments, each NUL-ended. */
static int send_request(int fd, const char *command)
{
	char request[1024];
	int length = snprintf(request, sizeof(request), "1%cjcmd%c%s%c%c", 0, 0, command, 0, 0);

	if (length < 0 || (size_t)length + 1 > sizeof(request))
		return -E2BIG;
	/* the final NUL snprintf wrote ends the last empty argument */
	return write_all(fd, request, (size_t)length + 1);
}

/* Everything up to end of file; the JVM closes once the command is done. */
static int read_answer(int fd, char **out)
{
	size_t used = 0, capacity = 4096;
	char *text = malloc(capacity);

	if (!text)
		return -ENOMEM;
	for (;;) {
		ssize_t got;

		if (used + 1 == capacity) {
			char *bigger =
				capacity >= OUTPUT_LIMIT ? NULL : realloc(text, capacity * 2);

			if (!bigger) {
				free(text);
				return capacity >= OUTPUT_LIMIT ? -EFBIG : -ENOMEM;
			}
			text = bigger;
			capacity *= 2;
		}
		got = read(fd, text + used, capacity - used - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int err = errno == EAGAIN ? -ETIMEDOUT : -errno;

			free(text);
			return err;
		}
		if (got == 0)
			break;
		used += (size_t)got;
	}
	text[used] = '\0';
	*out = text;
	return 0;
}

int hotspot_attach__jcmd(uint32_t pid, const char *command, int *result, char **output)
{
	struct timeval timeout = { .tv_sec = COMMAND_SECONDS };
	struct credentials owner;
	char socket_name[64], socket_path[128], *answer = NULL, *end;
	uint32_t nspid;
	int fd = -1, tmp = -1, err;
	long code;

	err = hotspot_attach__namespace_pid(pid, &nspid);
	if (!err)
		err = effective_credentials(pid, &owner);
	if (!err)
		err = open_tmp(pid, &tmp);
	if (err)
		return err;
	snprintf(socket_name, sizeof(socket_name), ".java_pid%" PRIu32, nspid);
	/* the socket through the directory already resolved */
	snprintf(socket_path, sizeof(socket_path), "/proc/self/fd/%d/%s", tmp, socket_name);
	if (!is_socket(tmp, socket_name))
		err = start_listener(pid, nspid, &owner, tmp, socket_name);
	if (!err)
		err = connect_as(socket_path, &owner, &fd);
	close(tmp);
	if (err)
		return err;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)))
		err = -errno;
	if (!err)
		err = send_request(fd, command);
	if (!err)
		err = read_answer(fd, &answer);
	close(fd);
	if (err)
		return err;
	/* the answer code on the first line, the command's output after it */
	errno = 0;
	code = strtol(answer, &end, 10);
	if (end == answer || errno) {
		free(answer);
		return -EPROTO;
	}
	if (*end == '\n')
		end++;
	memmove(answer, end, strlen(end) + 1);
	*result = (int)code;
	*output = answer;
	return 0;
}
