/**
 * Which answer goes on the wire: one arbiter for both adapters.
 *
 * <p>A policy's {@link dev.seawall.core.answer.AnswerPlan} is compiled with the policy: its fallback, timeout and
 * breaker stages and its response buffer. For a request of a policy that {@linkplain
 * dev.seawall.core.answer.AnswerPlan#buffers() buffers}, the adapter makes one
 * {@link dev.seawall.core.answer.AnswerArbiter} over its {@link dev.seawall.core.answer.AnswerSink} (the servlet
 * filter's buffered response, Jersey's response writer); the arbiter decides between the application's answer, the
 * deadline's, the failure's, a fallback for a 5xx or a refusal, and a stale copy, keeps the copy, and settles the
 * permits before the answer commits. A policy that does not buffer gets at most an
 * {@link dev.seawall.core.answer.UnbufferedDeadline}, which can only interrupt and record; its refusals get
 * {@link dev.seawall.core.answer.AnswerPlan#refusalAnswer}.
 */
package dev.seawall.core.answer;
