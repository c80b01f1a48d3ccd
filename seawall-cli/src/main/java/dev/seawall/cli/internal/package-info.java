/**
 * <b>Internal</b> to the command-line tool: public only because the engine's factory creates fallback handlers
 * through a public constructor. Not API; changes in any release. Thread-safety is stated on each type.
 */
package dev.seawall.cli.internal;
