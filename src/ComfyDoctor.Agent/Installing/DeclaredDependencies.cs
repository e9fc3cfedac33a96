using System.Text.Json;

namespace ComfyDoctor.Agent.Installing;

/// <summary>
/// The distributions the given ones depend on, as their installed metadata declares (<c>Requires-Dist</c>), followed
/// through every installed dependency: what an <c>install-python-packages</c> action may move besides its plan. Extras
/// (<c>; extra == "x"</c>) are not followed — nothing asked for them; other markers are kept (the wider, safer reading).
/// </summary>
internal static class DeclaredDependencies
{
    private const string Script = """
        import json, re, sys
        import importlib.metadata as md
        def norm(n): return re.sub(r"[-_.]+", "-", n).lower()
        todo, seen, deps = [norm(a) for a in sys.argv[1:]], set(), set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            try:
                requires = md.distribution(name).requires or []
            except Exception:
                continue
            for r in requires:
                head, _, marker = r.partition(";")
                if "extra" in marker:
                    continue
                m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", head)
                if m:
                    deps.add(norm(m.group(1)))
                    todo.append(norm(m.group(1)))
        print("COMFYDOCTOR-DEPS " + json.dumps(sorted(deps)))
        """;

    /// <summary>The normalised names <paramref name="names"/> depend on, transitively (the names themselves only when one of
    /// them depends on another). <exception cref="InstallStepException">The interpreter did not answer.</exception></summary>
    public static async Task<IReadOnlySet<string>> ReadAsync(PythonEnvironment python, IReadOnlyList<string> names, CancellationToken ct)
    {
        var result = await python.AskAsync(Script, names, ct);
        var line = result.StdOut.Split('\n').FirstOrDefault(l => l.StartsWith("COMFYDOCTOR-DEPS ", StringComparison.Ordinal));
        if (result.ExitCode != 0 || line is null)
        {
            throw new InstallStepException(
                InstallStage.Verify,
                $"the declared dependencies could not be read (exit {result.ExitCode}): {result.LastLine}"
            );
        }

        try
        {
            return JsonSerializer.Deserialize<string[]>(line["COMFYDOCTOR-DEPS ".Length..])!.ToHashSet(StringComparer.Ordinal);
        }
        catch (JsonException e)
        {
            throw new InstallStepException(InstallStage.Verify, $"the declared dependencies could not be read: {e.Message}", e);
        }
    }
}
