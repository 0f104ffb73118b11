package ee.tallinn.teho

import java.time.Instant
import java.util.Collections
import java.util.concurrent.CountDownLatch
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Many threads call one engine at once: every call is done and audited once, and the
 * chain verifies. */
class ThreadsTest {
    @Test
    fun `eight threads on one engine`() {
        Town().use { town ->
            val before = town.engine.verifyAudit(Actor.System).entries
            val threads = 8
            val each = 25
            val start = CountDownLatch(1)
            val failures = Collections.synchronizedList(mutableListOf<Throwable>())
            val workers = (0 until threads).map { t ->
                Thread {
                    start.await()
                    try {
                        repeat(each) { i ->
                            if ((t + i) % 2 == 0) {
                                town.call(town.worker("sw"), "client_card", mapOf("file" to town.id("file.id")))
                            } else {
                                town.call(town.worker("cw"), "network", mapOf("file" to town.id("file.id")))
                            }
                        }
                    } catch (e: Throwable) {
                        failures += e
                    }
                }.also { it.start() }
            }
            start.countDown()
            workers.forEach { it.join() }
            assertEquals(emptyList<Throwable>(), failures)
            val after = town.engine.verifyAudit(Actor.System)
            // One entry a call: the reads, and the first verification.
            assertEquals(before + 1 + threads * each, after.entries, "$after")
            assertEquals(null, after.firstBreak)
        }
    }
}
