using System.Text.Json;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Protocol;

namespace ComfyDoctor.Agent.Runtime;

/// <summary>
/// The distributions of ComfyUI's interpreter (issue 19.1), read by the probe process with <c>importlib.metadata</c>
/// before it imports torch — so a torch that hangs or crashes still leaves the list — and each one's
/// <c>direct_url.json</c> (PEP 610): no file is a wheel from an index, <c>dir_info.editable</c> an editable install, any
/// other an install from a URL or a local path. Names normalised (PEP 503), the first of a name on <c>sys.path</c> kept
/// (the one <c>import</c> finds), sorted; credentials removed from URLs; entries the server would refuse are left out with
/// a note instead of costing the scan.
/// </summary>
public static class PythonPackagesReader
{
    public const string Marker = "COMFYDOCTOR-PACKAGES ";

    /// <summary>Python run at the start of the probe; prints one line, <see cref="Marker"/> + JSON.</summary>
    public const string Script = """
        import json, sys
        p = {"packages": None, "error": None}
        try:
            import importlib.metadata as md, re
            seen = {}
            for d in md.distributions():
                name = d.metadata["Name"]
                if not name:
                    continue
                key = re.sub(r"[-_.]+", "-", name).lower()
                if key in seen:
                    continue
                kind, url = "wheel", None
                try:
                    text = d.read_text("direct_url.json")
                    if text:
                        du = json.loads(text)
                        url = du.get("url")
                        kind = "editable" if (du.get("dir_info") or {}).get("editable") else "url"
                except Exception:
                    kind = "url"
                seen[key] = [key, d.version, kind, url]
            p["packages"] = [seen[k] for k in sorted(seen)]
        except Exception as e:
            p["error"] = "%s: %s" % (type(e).__name__, e)
        print("COMFYDOCTOR-PACKAGES " + json.dumps(p))
        sys.stdout.flush()
        """;

    /// <summary>The packages from the probe's output (null when the line is missing or unreadable), and a note when some or all
    /// could not be read.</summary>
    public static (IReadOnlyList<PythonPackage>? Packages, string? Note) Parse(string stdout)
    {
        var line = stdout.Split('\n').FirstOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal));
        if (line is null)
        {
            return (null, "Python packages not read: the probe printed no package list");
        }

        try
        {
            using var json = JsonDocument.Parse(line[Marker.Length..]);
            var root = json.RootElement;
            if (root.GetProperty("packages") is not { ValueKind: JsonValueKind.Array } list)
            {
                var why = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : "no list";
                return (null, $"Python packages not read: {why}");
            }

            return Packages(list);
        }
        catch (Exception e)
            when (e
                    is JsonException
                        or InvalidOperationException
                        or KeyNotFoundException
                        or IndexOutOfRangeException
                        or ArgumentOutOfRangeException
            )
        {
            return (null, $"Python packages not read: unexpected output ({e.Message})");
        }
    }

    private static (IReadOnlyList<PythonPackage>, string?) Packages(JsonElement list)
    {
        var packages = new SortedDictionary<string, PythonPackage>(StringComparer.Ordinal);
        var skipped = new List<string>();
        foreach (var item in list.EnumerateArray())
        {
            var name = item[0].GetString() ?? "";
            var version = item[1].ValueKind == JsonValueKind.String ? item[1].GetString()! : "";
            var kind = item[2].GetString() ?? PythonInstallKinds.Wheel;
            var url = item[3].ValueKind == JsonValueKind.String ? WithoutCredentials(item[3].GetString()!) : null;
            var normalized = PythonPackageNames.Normalize(name);
            if (
                normalized.Length is 0 or > InventoryValidator.MaxPackageText
                || version.Length is 0 or > InventoryValidator.MaxPackageText
                || url?.Length > InventoryValidator.MaxText
            )
            {
                skipped.Add(normalized.Length is > 0 and <= 80 ? normalized : $"a name of {name.Length} characters");
                continue;
            }

            packages.TryAdd(normalized, new PythonPackage(normalized, version, kind, url));
        }

        var kept = packages.Values.Take(InventoryValidator.MaxPythonPackages).ToList();
        var notes = new List<string>();
        if (skipped.Count > 0)
        {
            notes.Add(
                $"{skipped.Count} Python package(s) left out (empty or over-long name, version or URL): "
                    + string.Join(", ", skipped.Take(5))
            );
        }

        if (packages.Count > kept.Count)
        {
            notes.Add($"{packages.Count:N0} Python packages installed; the first {kept.Count:N0} by name are listed");
        }

        return (kept, notes.Count == 0 ? null : string.Join("; ", notes));
    }

    /// <summary><c>https://user:token@host/x</c> → <c>https://host/x</c>; query and fragment dropped (signed URLs carry tokens
    /// there).</summary>
    public static string WithoutCredentials(string url) => Core.Text.UrlCredentials.WithoutCredentials(url);
}
