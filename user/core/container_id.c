// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "container_id.h"

#define ID_MIN_LENGTH 12

/* systemd scopes the runtimes make, one per container; conmon's own scopes are not containers */
static const char *const scope_prefixes[] = { "docker-", "cri-containerd-", "crio-", "libpod-" };
/* cgroupfs directories whose children are containers named by their id */
static const char *const id_parents[] = { "docker", "crio", "libpod", "containerd" };

static bool is_id_parent(const char *component, size_t length)
{
	for (size_t i = 0; component && i < sizeof(id_parents) / sizeof(id_parents[0]); i++)
		if (length == strlen(id_parents[i]) && !memcmp(component, id_parents[i], length))
			return true;
	return false;
}

static bool is_hex(const char *text, size_t length)
{
	if (length < ID_MIN_LENGTH || length >= MW_CONTAINER_ID_LEN)
		return false;
	for (size_t i = 0; i < length; i++)
		if (!((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f')))
			return false;
	return true;
}

static bool starts_with(const char *text, size_t length, const char *prefix)
{
	size_t prefix_length = strlen(prefix);

	return length >= prefix_length && !memcmp(text, prefix, prefix_length);
}

static bool ends_with(const char *text, size_t length, const char *suffix)
{
	size_t suffix_length = strlen(suffix);

	return length >= suffix_length &&
	       !memcmp(text + length - suffix_length, suffix, suffix_length);
}

static void copy(char *out, size_t size, const char *text, size_t length)
{
	if (length >= size)
		length = size - 1;
	memcpy(out, text, length);
	out[length] = '\0';
}

/* "ID" of "docker-ID.scope" and the like, when the component is one. */
static bool scope_id(const char *component, size_t length, const char **id, size_t *id_length)
{
	if (!ends_with(component, length, ".scope"))
		return false;
	for (size_t i = 0; i < sizeof(scope_prefixes) / sizeof(scope_prefixes[0]); i++) {
		size_t prefix = strlen(scope_prefixes[i]);

		if (!starts_with(component, length, scope_prefixes[i]))
			continue;
		*id = component + prefix;
		*id_length = length - prefix - strlen(".scope");
		return is_hex(*id, *id_length);
	}
	return false;
}

/*
 * The pod UID of "pod1234-..." (cgroupfs) or "kubepods-burstable-pod1234_....slice"
 * (systemd, which spells the UID's dashes as underscores).
 */
static bool pod_uid(const char *component, size_t length, char out[MW_POD_UID_LEN])
{
	const char *uid = NULL;
	size_t uid_length = 0;

	if (starts_with(component, length, "pod")) {
		uid = component + 3;
		uid_length = length - 3;
	} else if (starts_with(component, length, "kubepods-") &&
		   ends_with(component, length, ".slice")) {
		const char *end = component + length - strlen(".slice");
		const char *at = end;

		while (at > component && memcmp(at, "-pod", 4))
			at--;
		if (at == component)
			return false;
		uid = at + 4;
		uid_length = (size_t)(end - uid);
	}
	if (!uid || uid_length != MW_POD_UID_LEN - 1)
		return false;
	for (size_t i = 0; i < uid_length; i++) {
		char c = uid[i];
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? c != '-' && c != '_'
			 : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
		out[i] = dash ? '-' : c;
	}
	out[uid_length] = '\0';
	return true;
}

bool container_id__parse(const char *cgroup, struct mw_container *container)
{
	const char *component = cgroup, *parent = NULL;
	size_t parent_length = 0;
	bool in_pod = false;

	memset(container, 0, sizeof(*container));
	while (component && *component) {
		const char *slash = strchr(component, '/'), *id;
		size_t length = slash ? (size_t)(slash - component) : strlen(component), id_length;

		if (length) {
			char uid[MW_POD_UID_LEN];

			if (pod_uid(component, length, uid) &&
			    (in_pod || starts_with(component, length, "kubepods-"))) {
				memcpy(container->pod_uid, uid, sizeof(uid));
				container->id[0] = '\0';
			} else if (scope_id(component, length, &id, &id_length)) {
				copy(container->id, sizeof(container->id), id, id_length);
			} else if (is_hex(component, length) &&
				   (container->pod_uid[0] || is_id_parent(parent, parent_length))) {
				copy(container->id, sizeof(container->id), component, length);
			}
			/* cgroupfs: /kubepods[/burstable|/besteffort]/podUID/ID */
			if ((length == 8 && !memcmp(component, "kubepods", 8)) ||
			    starts_with(component, length, "kubepods."))
				in_pod = true;
			parent = component;
			parent_length = length;
		}
		component = slash ? slash + 1 : NULL;
	}
	return container->id[0] || container->pod_uid[0];
}
