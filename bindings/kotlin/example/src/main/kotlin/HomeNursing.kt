// An integrator's program: a home-nursing provider's system on TEHO. It opens a database,
// takes in a referral from the health information system, plans the nurse's visits,
// marks one done and one not done, and shows a refusal.
import ee.tallinn.teho.*
import java.io.File
import java.time.Instant
import java.time.LocalDate

fun main(args: Array<String>) {
    val db = File(args.firstOrNull() ?: "home-nursing.db").also { it.delete() }
    val monday = LocalDate.of(2026, 10, 5)
    Engine.create(db.path, Engine.fixedClock(Instant.parse("2026-10-05T06:00:00Z"))).use { teho ->
        val (city, admin) = teho.bootstrap(
            Actor.System,
            NewOrganization(kind = OrganizationKind.Municipality, name = "Tallinn"),
            NewAdministrator(personalCode = Engine.personalCode("38001010015"), givenName = "Mari", familyName = "Haldur", employedFrom = LocalDate.of(2020, 1, 1)),
        )
        val asAdmin = Actor.Worker(admin.id)
        val provider = teho.registerOrganization(asAdmin, NewOrganization(kind = OrganizationKind.HomeNursingProvider, name = "Koduõde OÜ"))
        fun employ(code: String, given: String, family: String, org: OrganizationId, role: Role) = teho.registerWorker(
            asAdmin,
            NewWorker(personalCode = Engine.personalCode(code), givenName = given, familyName = family, organization = org, role = role, employedFrom = LocalDate.of(2020, 1, 1)),
        )
        val socialWorker = Actor.Worker(employ("48505050029", "Sirje", "Saar", city.id, Role.SocialWorker).id)
        val manager = Actor.Worker(employ("47007070069", "Andra", "Õismaa", provider.id, Role.NursingManager).id)
        val nurse = employ("48808080074", "Teisi", "Remmel", provider.id, Role.HomeNurse)
        val otherNurse = employ("48909090089", "Piret", "Pärn", provider.id, Role.HomeNurse)

        // The referral from the health information system, into the client's file.
        val client = teho.registerPerson(
            socialWorker,
            NewPerson(identity = PersonIdentity.Estonian(Engine.personalCode("43803030124")), givenName = "Laine", familyName = "Kask"),
        )
        val referral = teho.enterReferral(
            manager,
            NewReferral(patient = client.id, source = ReferralSource.HealthInformationSystem("TIS-2026-118822"), start = monday, end = LocalDate.of(2027, 1, 31), doctorName = "Dr Mart Tamm"),
        )
        val (file, _) = teho.registerReferral(manager, referral.id)
        println("referral ${referral.id} registered into file ${file.id}")

        // Wound care on Mondays and Thursdays at 11:00, by Teisi.
        val plan = teho.createPlan(manager, NewPlan(domain = Domain.Nursing, file = file.id, provider = provider.id))
        val item = teho.addPlanItem(
            manager,
            plan.id,
            PlanItemSpec(
                action = PlannedAction(code = "ÕE-HAAV", text = "Wound care"),
                worker = nurse.id,
                place = "home, Punane 16-4",
                durationMinutes = 30,
                recurrence = Recurrence(Engine.parseRecurrence("FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=11")),
                validFrom = monday,
            ),
        )
        println("planned ${item.regeneration.added.size} visits")
        // Teisi joins Laine's network: what she may see follows from it.
        teho.addMember(manager, NewMembership(file = file.id, member = Member.Worker(nurse.id), validFrom = monday))

        // Thursday afternoon: Monday's visit was done, Thursday's was not.
        teho.setClock(Instant.parse("2026-10-08T12:00:00Z"))
        val asNurse = Actor.Worker(nurse.id)
        val week = teho.workerCalendar(asNurse, nurse.id, monday, monday.plusDays(6))
        println("Teisi's week: ${week.map { it.visit.start }}")
        val done = teho.markDone(asNurse, week[0].visit.id, DoneReport(detail = "Wound 3 cm, clean, dressing changed"))
        println("done: ${week[0].visit.action.text} on ${done.actualStart}")
        val notDone = teho.markNotDone(asNurse, week[1].visit.id, NotDoneReason.ClientInHospital, "Taken to hospital on Wednesday")
        println("not done: ${notDone.action.text} on ${notDone.start}, ${notDone.notDone?.reason}")

        // Piret is not in Laine's network: the file is refused, with the reason.
        try {
            teho.clientFile(Actor.Worker(otherNurse.id), file.id)
        } catch (e: TehoException.AccessDenied) {
            println("refused: ${e.action}: ${e.reason} (${e.explanation})")
        }
        println("audit chain: ${teho.verifyAudit(Actor.System).entries} entries, intact")
    }
}
