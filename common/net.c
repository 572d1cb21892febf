/* SPDX-License-Identifier: Apache-2.0 */
/* Socket helpers. Only numeric IPv4/IPv6 addresses and names resolvable by
 * getaddrinfo are accepted; everything binds or connects exactly where the
 * configuration says, never to a wildcard address by accident. */
#include "config.h"

#include "common/net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/error.h"
#include "common/strutil.h"
#include "common/xalloc.h"

static struct addrinfo *resolve(const char *host, uint16_t port, bool passive,
                                struct tess_error *err)
{
    struct addrinfo hints = { 0 };
    struct addrinfo *res = NULL;
    char service[8];
    int rc;

    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    snprintf(service, sizeof(service), "%u", (unsigned)port);
    rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0) {
        errno = EHOSTUNREACH;
        tess_errprintf(err, "cannot resolve '%s': %s", host, gai_strerror(rc));
        return NULL;
    }
    return res;
}

int net_listen_tcp(const char *host, uint16_t port, uint16_t *bound,
                   struct tess_error *err)
{
    struct addrinfo *res = resolve(host, port, true, err);
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof(ss);
    int fd = -1;
    int one = 1;

    if (!res)
        return -1;
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        goto fail;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 1024) < 0)
        goto fail;
    if (getsockname(fd, (struct sockaddr *)&ss, &sslen) < 0)
        goto fail;
    if (ss.ss_family == AF_INET)
        *bound = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    else
        *bound = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    freeaddrinfo(res);
    return fd;
fail:
    tess_errprintf(err, "cannot listen on %s:%u: %s", host, (unsigned)port,
                   strerror(errno));
    if (fd >= 0) {
        int saved_errno = errno;
        close(fd);
        errno = saved_errno;
    }
    freeaddrinfo(res);
    return -1;
}

static int unix_addr(const char *path, struct sockaddr_un *sun,
                     struct tess_error *err)
{
    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    if (str_copy(sun->sun_path, path, sizeof(sun->sun_path)) >=
        sizeof(sun->sun_path)) {
        errno = ENAMETOOLONG;
        return tess_errprintf(err, "%s: socket path too long (max %zu bytes)",
                              path, sizeof(sun->sun_path) - 1);
    }
    return 0;
}

int net_listen_unix(const char *path, unsigned mode, struct tess_error *err)
{
    struct sockaddr_un sun;
    int fd = -1;

    if (unix_addr(path, &sun, err) < 0)
        return -1;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        goto fail;
    if (unlink(path) < 0 && errno != ENOENT)
        goto fail;
    if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
        chmod(path, (mode_t)mode) < 0 || listen(fd, 1024) < 0)
        goto fail;
    return fd;
fail:
    tess_errprintf(err, "cannot listen on %s: %s", path, strerror(errno));
    if (fd >= 0) {
        int saved_errno = errno;
        close(fd);
        errno = saved_errno;
    }
    return -1;
}

int net_connect_tcp_nb(const char *host, uint16_t port, struct tess_error *err)
{
    struct addrinfo *res = resolve(host, port, false, err);
    int fd = -1;
    int one = 1;

    if (!res)
        return -1;
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        goto fail;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, res->ai_addr, res->ai_addrlen) < 0 &&
        errno != EINPROGRESS)
        goto fail;
    freeaddrinfo(res);
    return fd;
fail:
    tess_errprintf(err, "cannot connect to %s:%u: %s", host, (unsigned)port,
                   strerror(errno));
    if (fd >= 0) {
        int saved_errno = errno;
        close(fd);
        errno = saved_errno;
    }
    freeaddrinfo(res);
    return -1;
}

int net_connect_tcp(const char *host, uint16_t port, int timeout_ms,
                    struct tess_error *err)
{
    int fd = net_connect_tcp_nb(host, port, err);
    struct pollfd pfd;
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    int rc;

    if (fd < 0)
        return -1;
    pfd.fd = fd;
    pfd.events = POLLOUT;
    do {
        rc = poll(&pfd, 1, timeout_ms);
    } while (rc < 0 && errno == EINTR);
    if (rc == 0) {
        errno = ETIMEDOUT;
        goto fail;
    }
    if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
        goto fail;
    if (soerr) {
        errno = soerr;
        goto fail;
    }
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
        goto fail;
    return fd;
fail:
    tess_errprintf(err, "cannot connect to %s:%u: %s", host, (unsigned)port,
                   strerror(errno));
    {
        int saved_errno = errno;
        close(fd);
        errno = saved_errno;
    }
    return -1;
}

int net_connect_unix(const char *path, struct tess_error *err)
{
    struct sockaddr_un sun;
    int fd;

    if (unix_addr(path, &sun, err) < 0)
        return -1;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        int saved_errno = errno;
        tess_errprintf(err, "cannot connect to %s: %s", path,
                       strerror(errno));
        if (fd >= 0)
            close(fd);
        errno = saved_errno;
        return -1;
    }
    return fd;
}

int net_write_addr_file(const char *path, const char *host, uint16_t port,
                        struct tess_error *err)
{
    char *tmp = xasprintf("%s.new", path);
    FILE *f = fopen(tmp, "we");
    int rc = -1;

    if (!f)
        goto out;
    if (fprintf(f, "%s %u\n", host, (unsigned)port) < 0 || fflush(f) != 0 ||
        fsync(fileno(f)) < 0) {
        int saved_errno = errno;
        fclose(f);
        errno = saved_errno;
        goto out;
    }
    if (fclose(f) != 0 || rename(tmp, path) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0) {
        int saved_errno = errno;
        tess_errprintf(err, "%s: %s", path, strerror(errno));
        unlink(tmp);
        errno = saved_errno;
    }
    free(tmp);
    return rc;
}

int net_read_addr_file(const char *path, char **host, uint16_t *port,
                       struct tess_error *err)
{
    FILE *f = fopen(path, "re");
    char h[256];
    unsigned p = 0;

    if (!f)
        return tess_errprintf(err, "%s: %s", path, strerror(errno));
    if (fscanf(f, "%255s %u", h, &p) != 2 || p == 0 || p > 65535) {
        fclose(f);
        errno = EINVAL;
        return tess_errprintf(err, "%s: malformed address file", path);
    }
    fclose(f);
    *host = xstrdup(h);
    *port = (uint16_t)p;
    return 0;
}
