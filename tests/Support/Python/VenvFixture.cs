using ComfyDoctor.Agent.Installing;

namespace ComfyDoctor.Tests.Support;

/// <summary>
/// A real <c>python3 -m venv</c> shared by the tests of one class, with a FAKE torch 2.0.0 and numpy 1.26.0 installed
/// from a wheelhouse the fixture builds (which also holds torch 9.9.0 and a few small packages). Tests call
/// <see cref="Reset"/> first, which puts the venv back to that baseline, so no test depends on another.
/// </summary>
public sealed class VenvFixture : IDisposable
{
    private readonly TestVenv _venv;

    public VenvFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "cd-venv-" + Guid.NewGuid().ToString("N")[..10]);
        Wheelhouse = Path.Combine(Root, "wheels");
        WheelBuilder.Build(Wheelhouse, "torch", "2.0.0");
        WheelBuilder.Build(Wheelhouse, "torch", "9.9.0");
        WheelBuilder.Build(Wheelhouse, "numpy", "1.26.0");
        WheelBuilder.Build(Wheelhouse, "tinydep", "1.0.0");
        WheelBuilder.Build(Wheelhouse, "tinydep", "2.0.0");
        WheelBuilder.Build(Wheelhouse, "needs-new-torch", "1.0.0", "torch>=9");
        WheelBuilder.Build(Wheelhouse, "ultralytics", "8.3.40");
        WheelBuilder.Build(Wheelhouse, "ultralytics", "8.3.41");
        _venv = TestVenv.Create(Path.Combine(Root, "venv"), Wheelhouse, "torch==2.0.0", "numpy==1.26.0");
        Baseline = _venv.Snapshot();
    }

    public string Root { get; }

    public string Wheelhouse { get; }

    public string Python => _venv.Python;

    public PipSnapshot Baseline { get; }

    /// <summary>The admin pip options the tests use: the local wheelhouse, never an index.</summary>
    public IReadOnlyList<string> PipArgs => ["--no-index", "--find-links", Wheelhouse];

    public string Pip(params string[] args) => _venv.Pip(args);

    public PipSnapshot Snapshot() => _venv.Snapshot();

    /// <summary>Uninstalls what is not in the baseline and reinstalls what differs from it.</summary>
    public void Reset()
    {
        var changes = Snapshot().ChangesSince(Baseline);
        if (changes.Added.Count > 0)
        {
            Pip(["uninstall", "--yes", .. changes.Added.Select(p => p.Name)]);
        }

        var back = changes
            .Changed.Select(c => $"{c.Name}=={c.Before}")
            .Concat(changes.Removed.Select(r => $"{r.Name}=={r.Version}"))
            .ToList();
        if (back.Count > 0)
        {
            Pip(["install", "--no-deps", "--no-index", "--find-links", Wheelhouse, .. back]);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
