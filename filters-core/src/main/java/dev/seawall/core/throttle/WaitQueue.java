package dev.seawall.core.throttle;

/**
 * An intrusive doubly-linked FIFO of waiters: each waiter is its own node, so adding at the tail, reading the head
 * and removing any waiter (a cancel, a grant from the middle under fair share) are O(1) with no allocation. A node is
 * in at most one queue, at most once.
 *
 * <p>Not thread-safe: {@link ThrottleStage} guards its queues with its lock.
 *
 * @param <N> the node type
 */
final class WaitQueue<N extends WaitQueue.Node<N>> {

    private N head;
    private N tail;

    /** A queue node. Its links are written only by {@link WaitQueue}. */
    abstract static class Node<N extends Node<N>> {
        N next;
        N prev;
        WaitQueue<N> owner;

        /** @return the node queued after this one, or null */
        final N next() {
            return next;
        }
    }

    /** Appends a node that is in no queue. */
    void add(N n) {
        if (n.owner != null) {
            throw new IllegalStateException("already queued");
        }
        n.owner = this;
        n.prev = tail;
        n.next = null;
        if (tail == null) {
            head = n;
        } else {
            tail.next = n;
        }
        tail = n;
    }

    /** @return true when the node was in this queue and is now unlinked; false when it was not queued here */
    boolean remove(N n) {
        if (n.owner != this) {
            return false;
        }
        N p = n.prev;
        N x = n.next;
        if (p == null) {
            head = x;
        } else {
            p.next = x;
        }
        if (x == null) {
            tail = p;
        } else {
            x.prev = p;
        }
        n.prev = null;
        n.next = null;
        n.owner = null;
        return true;
    }

    /** @return the oldest node, or null when empty */
    N first() {
        return head;
    }

    /** @return the newest node, or null when empty */
    N last() {
        return tail;
    }
}
