package ee.tallinn.teho.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ValueSet;

/**
 * Offline FHIR R4 validation of TEHO's exports.
 *
 * <pre>
 *   Validate [--codesystems DIR] FILE.json...
 * </pre>
 *
 * Validates each file (one resource, usually a Bundle) with HAPI FHIR's instance validator
 * against the core R4 definitions only, and prints one JSON line per file:
 * {"file": ..., "errors": N, "warnings": M, "issues": [{"severity", "location", "line", "message"}]}.
 * "errors" counts issues of severity error and fatal (fatal: the file is not FHIR JSON at all).
 * Exit status: 0 when no file has an error or fatal issue, 1 otherwise, 2 on bad usage or a
 * file that cannot be read (then nothing is validated).
 *
 * Strictly offline: the support chain holds the definitions shipped in the jars, TEHO's own
 * CodeSystems and in-memory terminology; no RemoteTerminologyServiceValidationSupport, no
 * IValidatorResourceFetcher (so references and canonicals are never fetched). HAPI, unlike
 * the HL7 command-line validator, has no default terminology server: nothing here knows
 * tx.fhir.org.
 */
public final class Validate {
    /** TEHO's own canonical URLs: extensions, CodeSystems, profiles. */
    static final String TEHO_PREFIX = "https://teho.tallinn.ee/fhir/";

    public static void main(String[] args) {
        // The validator's messages are localised through the default locale; ours are English.
        Locale.setDefault(Locale.ENGLISH);
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);

        Path codeSystemDir = null;
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--codesystems")) {
                if (i + 1 >= args.length) {
                    usage("--codesystems needs a directory");
                    return;
                }
                codeSystemDir = Path.of(args[++i]);
            } else if (arg.startsWith("--codesystems=")) {
                codeSystemDir = Path.of(arg.substring("--codesystems=".length()));
            } else if (arg.equals("-h") || arg.equals("--help")) {
                usage(null);
                return;
            } else if (arg.startsWith("-") && !arg.equals("-")) {
                usage("unknown option " + arg);
                return;
            } else {
                files.add(Path.of(arg));
            }
        }
        if (files.isEmpty()) {
            usage("no files given");
            return;
        }
        if (codeSystemDir != null && !Files.isDirectory(codeSystemDir)) {
            fail("--codesystems: not a directory: " + codeSystemDir);
        }

        // Read everything first: an unreadable file is a usage error, found before the slow start.
        Map<Path, String> contents = new LinkedHashMap<>();
        for (Path file : files) {
            try {
                contents.put(file, Files.readString(file, StandardCharsets.UTF_8));
            } catch (IOException | RuntimeException e) {
                fail("cannot read " + file + ": " + e);
            }
        }

        FhirContext ctx = FhirContext.forR4();
        IParser parser = ctx.newJsonParser();

        // Definitions TEHO ships beside the export (CodeSystems, and ValueSets or
        // StructureDefinitions if it ever ships them), for every file.
        PrePopulatedValidationSupport shipped = new PrePopulatedValidationSupport(ctx);
        if (codeSystemDir != null) {
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(codeSystemDir, "*.json")) {
                for (Path p : dir) {
                    IBaseResource r;
                    try {
                        r = parser.parseResource(Files.readString(p, StandardCharsets.UTF_8));
                    } catch (IOException | RuntimeException e) {
                        fail("--codesystems: cannot read " + p + ": " + e.getMessage());
                        return;
                    }
                    for (Resource def : definitionsIn(r)) {
                        shipped.addResource(def);
                    }
                }
            } catch (IOException e) {
                fail("--codesystems: cannot list " + codeSystemDir + ": " + e);
            }
        }
        // CodeSystems and ValueSets carried in the file being validated (entries of its Bundle),
        // visible while that file is validated only.
        FileDefinitions carried = new FileDefinitions(ctx);

        // The core R4 StructureDefinitions/ValueSets/CodeSystems (from
        // hapi-fhir-validation-resources-r4), ours, the small code systems HAPI knows without a
        // server (BCP-47 languages, MIME types, UCUM, ISO 3166/4217, USPS), in-memory
        // expansion/validation of any enumerated CodeSystem/ValueSet above, and snapshots for
        // differential-only profiles. No RemoteTerminologyServiceValidationSupport: offline.
        ValidationSupportChain chain = new ValidationSupportChain(
                carried,
                shipped,
                new DefaultProfileValidationSupport(ctx),
                new CommonCodeSystemsTerminologyService(ctx),
                new InMemoryTerminologyServerValidationSupport(ctx),
                new SnapshotGeneratingValidationSupport(ctx));

        FhirInstanceValidator instanceValidator = new FhirInstanceValidator(chain);
        // Extensions: HAPI's default is anyExtensionsAllowed=true, i.e. an extension whose
        // StructureDefinition the validator cannot find is accepted silently anywhere. We turn
        // that off and list TEHO's prefix as a custom extension domain instead: the core
        // validator accepts (without even a hint) an unknown extension whose URL starts with a
        // listed domain, and makes every other unknown extension an error. So a typo in an HL7
        // extension URL, or a foreign extension, is still caught; known extensions (core R4
        // ones) are validated fully (context, value type, cardinality).
        instanceValidator.setAnyExtensionsAllowed(false);
        instanceValidator.setCustomExtensionDomains(TEHO_PREFIX);
        // A meta.profile the validator cannot find is an error (HAPI's default, kept explicit):
        // a profile we claim must be shipped in --codesystems DIR.
        instanceValidator.setErrorForUnknownProfiles(true);
        // Everything else stays at HAPI's defaults: terminology checks on, best-practice
        // warnings at their default level, no resource fetcher (references are resolved inside
        // the Bundle only; a literal reference to a server is not fetched) and, through the
        // default FhirDefaultPolicyAdvisor, no remote lookups.

        FhirValidator validator = ctx.newValidator();
        validator.registerValidatorModule(instanceValidator);
        // HAPI's own schema/schematron modules are off by default; the instance validator
        // covers structure, cardinality, invariants (FHIRPath), terminology bindings and
        // Bundle references.

        boolean anyError = false;
        List<String> previousCarried = List.of();
        for (Map.Entry<Path, String> e : contents.entrySet()) {
            String text = e.getValue();
            List<Resource> defs = List.of();
            try {
                defs = definitionsIn(parser.parseResource(text));
            } catch (RuntimeException ignored) {
                // Not parseable by HAPI's model parser: the validator reports why.
            }
            List<String> keys = new ArrayList<>();
            for (Resource d : defs) {
                keys.add(parser.encodeResourceToString(d));
            }
            if (!keys.equals(previousCarried)) {
                carried.replace(defs);
                // The chain and the validator's worker context cache look-ups, including
                // "no such CodeSystem": drop them when what the file carries changes.
                chain.invalidateCaches();
                instanceValidator.invalidateCaches();
            }
            previousCarried = keys;

            List<SingleValidationMessage> messages;
            try {
                ValidationResult result = validator.validateWithResult(text);
                messages = result.getMessages();
            } catch (RuntimeException ex) {
                // HAPI throws (rather than reporting) when the text is not JSON at all.
                SingleValidationMessage m = new SingleValidationMessage();
                m.setSeverity(ResultSeverityEnum.FATAL);
                m.setLocationString("(file)");
                Throwable cause = ex.getCause() != null ? ex.getCause() : ex;
                m.setMessage("not FHIR JSON: " + cause.getMessage());
                messages = List.of(m);
            }
            int errors = 0;
            int warnings = 0;
            StringBuilder issues = new StringBuilder();
            for (SingleValidationMessage m : messages) {
                ResultSeverityEnum sev = m.getSeverity();
                if (sev == ResultSeverityEnum.ERROR && isTehoUnknownCodeSystem(m.getMessage())) {
                    sev = ResultSeverityEnum.WARNING;
                }
                if (sev == ResultSeverityEnum.ERROR || sev == ResultSeverityEnum.FATAL) {
                    errors++;
                } else if (sev == ResultSeverityEnum.WARNING) {
                    warnings++;
                }
                if (issues.length() > 0) {
                    issues.append(", ");
                }
                issues.append("{\"severity\": ").append(json(sev.getCode()))
                        .append(", \"location\": ").append(json(m.getLocationString()));
                if (m.getLocationLine() != null) {
                    issues.append(", \"line\": ").append(m.getLocationLine());
                }
                issues.append(", \"message\": ").append(json(m.getMessage())).append('}');
            }
            anyError |= errors > 0;
            out.println("{\"file\": " + json(e.getKey().toString()) + ", \"errors\": " + errors
                    + ", \"warnings\": " + warnings + ", \"issues\": [" + issues + "]}");
            out.flush();
        }
        out.flush();
        System.exit(anyError ? 1 : 0);
    }

    /**
     * Whether a message is HAPI's "unknown CodeSystem" for one of TEHO's CodeSystems.
     *
     * <p>What HAPI does with a coding whose system it cannot find: ValidationSupportChain answers
     * validateCode with an ERROR "CodeSystem is unknown and can't be validated: URL for
     * 'URL#code'", and the core validator then sets the severity from the binding strength:
     * example, preferred and extensible bindings give a WARNING (extensible also
     * warns that no coding is from the value set), a required binding keeps the ERROR and adds
     * a second ERROR "None of the codings provided are in the value set ... required". So, for
     * TEHO's own systems (the export may not ship every CodeSystem it uses), that first ERROR
     * is made a WARNING here; the required-binding ERROR stays, so no check is lost. A
     * CodeSystem that is found (carried in the Bundle or in --codesystems DIR) is validated
     * fully: a code not in it is an ERROR "Unknown code 'URL#code'".
     * HAPI's own tools for this (UnknownCodeSystemWarningValidationSupport, deprecated since
     * 8.6, and the server-side ValidationMessageUnknownCodeSystemProcessingInterceptor) act on
     * every unknown system, not on one prefix.
     */
    static boolean isTehoUnknownCodeSystem(String message) {
        return message != null
                && message.startsWith("CodeSystem is unknown and can't be validated: " + TEHO_PREFIX);
    }

    /** The CodeSystems, ValueSets and StructureDefinitions in a resource or its Bundle. */
    static List<Resource> definitionsIn(IBaseResource r) {
        List<Resource> defs = new ArrayList<>();
        if (r instanceof Bundle b) {
            for (Bundle.BundleEntryComponent entry : b.getEntry()) {
                if (entry.getResource() != null) {
                    defs.addAll(definitionsIn(entry.getResource()));
                }
            }
        } else if (r instanceof CodeSystem || r instanceof ValueSet
                || r instanceof org.hl7.fhir.r4.model.StructureDefinition) {
            defs.add((Resource) r);
        }
        return defs;
    }

    /** A validation support whose CodeSystems and ValueSets are replaced for each file. */
    static final class FileDefinitions implements IValidationSupport {
        private final FhirContext ctx;
        private PrePopulatedValidationSupport current;

        FileDefinitions(FhirContext ctx) {
            this.ctx = ctx;
            this.current = new PrePopulatedValidationSupport(ctx);
        }

        void replace(List<Resource> defs) {
            PrePopulatedValidationSupport next = new PrePopulatedValidationSupport(ctx);
            for (Resource d : defs) {
                next.addResource(d);
            }
            current = next;
        }

        @Override
        public FhirContext getFhirContext() {
            return ctx;
        }

        @Override
        public String getName() {
            return "TEHO definitions carried in the validated file";
        }

        @Override
        public IBaseResource fetchCodeSystem(String url) {
            return current.fetchCodeSystem(url);
        }

        @Override
        public IBaseResource fetchValueSet(String url) {
            return current.fetchValueSet(url);
        }

        @Override
        public IBaseResource fetchStructureDefinition(String url) {
            return current.fetchStructureDefinition(url);
        }

        @Override
        public <T extends IBaseResource> List<T> fetchAllStructureDefinitions() {
            return current.fetchAllStructureDefinitions();
        }

        @Override
        public List<IBaseResource> fetchAllConformanceResources() {
            return current.fetchAllConformanceResources();
        }

        @Override
        public boolean isCodeSystemSupported(ValidationSupportContext c, String system) {
            return current.isCodeSystemSupported(c, system);
        }

        @Override
        public boolean isValueSetSupported(ValidationSupportContext c, String url) {
            return current.isValueSetSupported(c, url);
        }
    }

    static String json(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static void usage(String problem) {
        if (problem != null) {
            System.err.println("fhir-validate: " + problem);
        }
        System.err.println("usage: fhir-validate [--codesystems DIR] FILE.json...");
        System.exit(problem == null ? 0 : 2);
    }

    private static void fail(String problem) {
        System.err.println("fhir-validate: " + problem);
        System.exit(2);
    }
}
