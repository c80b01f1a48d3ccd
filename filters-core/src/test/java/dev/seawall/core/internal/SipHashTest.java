package dev.seawall.core.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SipHashTest {

    /** Key 00 01 .. 0f, as in the reference implementation's test vectors. */
    private static final SipHash REFERENCE = new SipHash(0x0706050403020100L, 0x0f0e0d0c0b0a0908L);

    @Test
    void matchesTheReferenceVectors() {
        assertThat(REFERENCE.hash(new byte[0])).isEqualTo(0x726fdb47dd0e0e31L);
        assertThat(REFERENCE.hash(new byte[] {0})).isEqualTo(0x74f839c593dc67fdL);
        byte[] fifteen = new byte[15];
        for (int i = 0; i < 15; i++) {
            fifteen[i] = (byte) i;
        }
        assertThat(REFERENCE.hash(fifteen)).isEqualTo(0xa129ca6149be45e5L);
    }

    @Test
    void stringHashingEqualsHashingTheUtf16LittleEndianBytes() {
        for (String s : new String[] {"", "a", "ab", "abc", "abcd", "abcde", "api-key-0123456789", "ключ", "😀x"}) {
            byte[] bytes = new byte[s.length() * 2];
            for (int i = 0; i < s.length(); i++) {
                bytes[2 * i] = (byte) s.charAt(i);
                bytes[2 * i + 1] = (byte) (s.charAt(i) >>> 8);
            }
            assertThat(REFERENCE.hash(s)).as(s).isEqualTo(REFERENCE.hash(bytes));
        }
    }

    @Test
    void differentKeysGiveDifferentHashes() {
        assertThat(SipHash.random().hash("same")).isNotEqualTo(SipHash.random().hash("same"));
    }
}
