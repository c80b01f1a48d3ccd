package dev.seawall.core.key;

/** Character checks shared by the resolvers. Stateless, thread-safe, allocation-free. */
final class Identities {

    private Identities() {
    }

    /** @return true when every char is in {@code !..~} (no space, no control, no non-ASCII) */
    static boolean visibleAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /** @return true for 1-64 chars of {@code [A-Za-z0-9._-]} starting with a letter or digit */
    static boolean validTenant(String s, int from, int to) {
        int len = to - from;
        if (len < 1 || len > TenantResolver.MAX_LENGTH) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (!alnum && (i == from || (c != '.' && c != '_' && c != '-'))) {
                return false;
            }
        }
        return true;
    }
}
