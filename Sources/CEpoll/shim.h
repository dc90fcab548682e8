// Linux epoll, which Swift's Glibc module does not export; used by Transport's Poller.
#include <sys/epoll.h>
