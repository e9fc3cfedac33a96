using ComfyDoctor.Agent.Installing;

namespace ComfyDoctor.Tests.Support;

/// <summary>
/// A real virtual environment made by <c>python3 -m venv</c>, its packages installed from a wheelhouse the test built
/// (<see cref="WheelBuilder"/>, <c>--no-index --find-links</c>: nothing is ever fetched). Placed at
/// <c>&lt;ComfyUI&gt;/venv</c> it is the interpreter the agent finds as ComfyUI's own.
/// </summary>
public sealed class TestVenv
{
    private TestVenv(string folder, string wheelhouse)
    {
        Folder = folder;
        Wheelhouse = wheelhouse;
    }

    public string Folder { get; }

    public string Wheelhouse { get; }

    public string Python => Path.Combine(Folder, "bin", "python");

    /// <summary>Creates the venv at <paramref name="folder"/> and installs <paramref name="specs"/> (<c>name==version</c>).</summary>
    public static TestVenv Create(string folder, string wheelhouse, params string[] specs)
    {
        Cli.Run("python3", Path.GetTempPath(), "-m", "venv", folder);
        var venv = new TestVenv(folder, wheelhouse);
        if (specs.Length > 0)
        {
            venv.Install(specs);
        }

        return venv;
    }

    public string Pip(params string[] args) =>
        Cli.Run(Python, Path.GetDirectoryName(Folder)!, ["-m", "pip", "--disable-pip-version-check", .. args]);

    /// <summary>Installs from the wheelhouse only.</summary>
    public void Install(params string[] specs) => Pip(["install", "--no-index", "--find-links", Wheelhouse, .. specs]);

    /// <summary>What pip itself lists now (<c>pip list --format=json</c>): the venv's word, not an agent's.</summary>
    public PipSnapshot Snapshot() => PipSnapshot.Parse(Pip("list", "--format=json"));

    /// <summary><c>pip freeze</c>'s lines, sorted: the byte-for-byte state a rollback must give back.</summary>
    public IReadOnlyList<string> Freeze() =>
        [.. Pip("freeze", "--all").Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];
}
