/**
 * Which answer goes on the wire: one arbiter for both adapters.
 *
 * <p>A policy's {@link dev.seawall.core.internal.answer.AnswerPlan} is compiled with the policy: its fallback, timeout
 * and breaker stages and its response buffer. For a request of a policy that {@linkplain
 * dev.seawall.core.internal.answer.AnswerPlan#buffers() buffers}, the adapter makes one
 * {@link dev.seawall.core.internal.answer.AnswerArbiter} over its {@link dev.seawall.core.internal.answer.AnswerSink}
 * (the servlet filter's buffered response, Jersey's response writer); the arbiter decides between the application's
 * answer, the deadline's, the failure's, a fallback for a 5xx or a refusal, and a stale copy, keeps the copy, and
 * settles the permits before the answer commits. A policy that does not buffer gets at most an
 * {@link dev.seawall.core.internal.answer.UnbufferedDeadline}, which can only interrupt and record; its refusals get
 * {@link dev.seawall.core.internal.answer.AnswerPlan#refusalAnswer}.
 *
 * <p><b>Internal</b>: every type here ({@code AnswerPlan}, {@code AnswerArbiter}, {@code AnswerSink},
 * {@code UnbufferedDeadline}) is public only so that Seawall's servlet and JAX-RS adapters can reach it; it changes
 * in any release. {@code ArchitectureTest} fails when a module outside the shipped ones uses it, or when an exported
 * signature names it; adapters get a policy's plan through {@code dev.seawall.core.internal.CoreAccess}.
 *
 * <p>Thread-safety: an {@code AnswerPlan} is thread-safe, compiled once per policy and immutable apart from where its
 * fallbacks and timeouts are reported (a volatile reference the engine serving the policy sets). An
 * {@code AnswerArbiter} belongs to one request; its decisions are safe between the request's thread and the deadline
 * thread because each one is taken by a compare-and-set on the request's {@code ResponseGate} and written under the
 * gate's monitor. An {@code AnswerSink} is called only by its request's arbiter, under that protocol.
 */
package dev.seawall.core.internal.answer;
