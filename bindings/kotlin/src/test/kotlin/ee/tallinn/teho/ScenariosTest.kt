package ee.tallinn.teho

import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory

/** Every scenario file of tests/scenarios replays in Kotlin with the same expectations as
 * in Rust, Python and JavaScript. */
class ScenariosTest {
    private val files = SCENARIOS.listFiles { f -> f.name.endsWith(".json") && f.name != "town.json" }!!.sortedBy { it.name }

    @Test
    fun `there are scenarios to replay`() {
        assertTrue(files.size >= 5, "${files.size} files in $SCENARIOS")
    }

    @TestFactory
    fun `every scenario file replays`(): List<DynamicTest> = files.map { file ->
        DynamicTest.dynamicTest(file.name) {
            val (engine, run) = replay(file)
            engine.use { assertTrue(run.steps > 20, "${run.steps} steps") }
        }
    }
}
