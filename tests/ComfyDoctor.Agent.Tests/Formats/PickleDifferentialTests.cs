using System.Diagnostics;
using System.Text.Json;
using ComfyDoctor.Agent.Formats;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Tests.Formats;

/// <summary>
/// Python pickles a spread of objects at every protocol (frames, memo, big payloads, escapes, recursion) and records,
/// by loading its own files with a <c>find_class</c> that notes each call, which globals the real unpickler imports.
/// The scanner must walk every file to its STOP and name exactly those globals; the file is green exactly when all of
/// them are on torch's weights_only allowlist, red otherwise.
/// </summary>
public sealed class PickleDifferentialTests
{
    private const string Script = """
        import pickle, sys, json, os, collections, fractions, decimal, datetime, uuid, enum
        class Colour(enum.Enum):
            RED = 1
        shared = [1, 2]
        looped = []
        looped.append(looped)
        objects = {
            "containers": collections.OrderedDict((str(i), list(range(i))) for i in range(40)),
            "scalars": {"set": {1, 2, 3}, "frozen": frozenset("abc"), "bytes": b"\x00\xff" * 200, "ba": bytearray(b"xyz"),
                        "slice": slice(1, 2, 3), "complex": 1 + 2j, "big": 10 ** 40, "neg": -5, "float": 1.5,
                        "text": "\u00e9\u1234\n\\ 'quoted' \"double\"", "tuples": ((), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)),
                        "none": None, "bools": (True, False), "int2": 60000, "int4": -70000},
            "large": ["x" * 70000, b"y" * 70000, list(range(30000))],
            "library": [fractions.Fraction(1, 3), decimal.Decimal("1.1"), datetime.datetime(2020, 1, 2, 3, 4, 5), uuid.UUID(int=5),
                        Colour.RED],
            "memo": [shared, shared, {"k": shared}, looped],
        }
        class Recorder(pickle.Unpickler):
            def find_class(self, module, name):
                self.seen.append(module + "." + name)
                return super().find_class(module, name)
        manifest = {}
        for key, obj in objects.items():
            for protocol in range(6):
                name = f"{key}-{protocol}.pkl"
                data = pickle.dumps(obj, protocol=protocol)
                open(os.path.join(sys.argv[1], name), "wb").write(data)
                recorder = Recorder(open(os.path.join(sys.argv[1], name), "rb"))
                recorder.seen = []
                recorder.load()
                manifest[name] = sorted(set(recorder.seen))
        json.dump(manifest, open(os.path.join(sys.argv[1], "manifest.json"), "w"))
        """;

    [Fact]
    public void Scanner_names_exactly_the_globals_python_imports_at_every_protocol()
    {
        using var dir = new TempDir();
        var script = dir.WriteText("make.py", Script);
        var start = new ProcessStartInfo("python3") { RedirectStandardError = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(dir.Path);
        using (var process = Process.Start(start)!)
        {
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, error);
        }

        var manifest = JsonSerializer.Deserialize<Dictionary<string, string[]>>(File.ReadAllText(dir.Combine("manifest.json")))!;
        Assert.Equal(30, manifest.Count);
        foreach (var (name, expected) in manifest)
        {
            using var file = File.OpenRead(dir.Combine(name));
            var imports = new PickleImportSet();
            new PickleScanner(new PickleReader(file, long.MaxValue), imports).ScanOne();
            Assert.True(file.Position == file.Length, $"{name}: stopped at {file.Position} of {file.Length}");
            var found = imports.Items.Select(g => g.ToString()).Distinct().Order(StringComparer.Ordinal).ToArray();
            Assert.True(
                expected.SequenceEqual(found),
                $"{name}: python imported [{string.Join(", ", expected)}], scanner found [{string.Join(", ", found)}]"
            );

            var check = ModelFormatChecker.Check(dir.Combine(name));
            var refused = imports.Items.Where(g => PickleImports.Judge(g).Kind != GlobalKind.Allowed).Select(g => g.ToString()).ToList();
            Assert.True(
                check.Status == (refused.Count == 0 ? FormatStatus.Valid : FormatStatus.Unsafe),
                $"{name}: {check.Status} {check.Message}"
            );
            Assert.Equal(refused, check.Imports ?? []);
        }
    }
}
