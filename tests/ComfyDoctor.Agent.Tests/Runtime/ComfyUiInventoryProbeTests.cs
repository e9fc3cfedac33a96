using ComfyDoctor.Agent.Runtime;
using ComfyDoctor.Agent.Tests.Installing.Fixtures;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Tests.Runtime;

/// <summary>Issue 19.1 on real parts: ComfyUI's git checkout (commit, dirty, version) and the packages of a real venv.</summary>
public sealed class ComfyUiInventoryProbeTests
{
    [Fact]
    public async Task The_checkout_commit_dirty_state_and_version_are_read_with_git()
    {
        using var dir = new TempDir();
        var comfy = dir.Combine("ComfyUI");
        var head = await Git.InitAsync(comfy, new Dictionary<string, string> { ["comfyui_version.py"] = "__version__ = \"0.3.66\"\n" });
        var options = new ProbeOptions(comfy, dir.Combine("no-python"), [], NvidiaSmi: dir.Combine("none"));

        var clean = (await EnvironmentProbe.ProbeAsync(options, CancellationToken.None)).ComfyUi;
        dir.WriteText("ComfyUI/untracked.txt", "not part of the checkout\n");
        var untracked = (await EnvironmentProbe.ProbeAsync(options, CancellationToken.None)).ComfyUi;
        dir.WriteText("ComfyUI/comfyui_version.py", "__version__ = \"0.3.67\"\n");
        var edited = (await EnvironmentProbe.ProbeAsync(options, CancellationToken.None)).ComfyUi;

        Assert.Equal(new ComfyUiCheckout(head, false, "0.3.66"), clean);
        Assert.Equal(new ComfyUiCheckout(head, false, "0.3.66"), untracked);
        Assert.Equal(new ComfyUiCheckout(head, true, "0.3.67"), edited);
    }

    [Fact]
    public async Task A_folder_that_is_no_checkout_has_no_commit_and_no_note()
    {
        using var dir = new TempDir();
        dir.WriteText("ComfyUI/comfyui_version.py", "__version__ = \"0.3.66\"\n");
        var options = new ProbeOptions(dir.Combine("ComfyUI"), dir.Combine("no-python"), [], NvidiaSmi: dir.Combine("none"));

        var facts = await EnvironmentProbe.ProbeAsync(options, CancellationToken.None);

        Assert.Equal(new ComfyUiCheckout(null, null, "0.3.66"), facts.ComfyUi);
        Assert.DoesNotContain(facts.Notes, n => n.Contains("checkout", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_packages_of_comfyuis_venv_are_listed_sorted_and_normalised_with_how_they_came_even_when_torch_hangs()
    {
        using var dir = new TempDir();
        var comfy = dir.Combine("ComfyUI");
        var python = Path.Combine(comfy, "venv", "bin", "python");
        var wheels = dir.Combine("wheels");
        WheelBuilder.Build(wheels, "Mixed_Case", "1.0");
        WheelBuilder.Build(wheels, "tinydep", "1.0.0");
        var fromFile = WheelBuilder.Build(wheels, "mmm", "2.0");
        Cli.Run("python3", dir.Path, "-m", "venv", Path.Combine(comfy, "venv"));
        Cli.Run(python, dir.Path, "-m", "pip", "install", "-q", "--no-index", "--find-links", wheels, "Mixed_Case==1.0", "tinydep==1.0.0");
        Cli.Run(python, dir.Path, "-m", "pip", "install", "-q", "--no-index", fromFile);
        var site = Path.Combine(Directory.GetDirectories(Path.Combine(comfy, "venv", "lib"))[0], "site-packages");
        // What an editable install (PEP 660) leaves: a dist-info whose direct_url.json says dir_info.editable.
        // pip cannot build one here (no network for the build backend), so the test writes that metadata itself.
        dir.WriteText(
            Path.Combine(Path.GetRelativePath(dir.Path, site), "local_tool-0.1.0.dist-info", "METADATA"),
            "Name: Local_Tool\nVersion: 0.1.0\n"
        );
        dir.WriteText(
            Path.Combine(Path.GetRelativePath(dir.Path, site), "local_tool-0.1.0.dist-info", "direct_url.json"),
            """{"url": "file:///srv/src/local-tool", "dir_info": {"editable": true}}"""
        );
        // TEST DOUBLE for a broken PyTorch: importing it never returns.
        dir.WriteText(Path.Combine(Path.GetRelativePath(dir.Path, site), "torch", "__init__.py"), "import time\ntime.sleep(120)\n");

        var facts = await EnvironmentProbe.ProbeAsync(
            new ProbeOptions(comfy, null, [comfy], TimeSpan.FromSeconds(5), dir.Combine("none")),
            CancellationToken.None
        );

        Assert.Equal("timed out after 5 s", facts.Python!.Error);
        var packages = facts.Python.Packages!;
        Assert.Equal(packages.Select(p => p.Name).Order(StringComparer.Ordinal), packages.Select(p => p.Name));
        Assert.Contains(new PythonPackage("mixed-case", "1.0", PythonInstallKinds.Wheel, null), packages);
        Assert.Contains(new PythonPackage("tinydep", "1.0.0", PythonInstallKinds.Wheel, null), packages);
        Assert.Contains(new PythonPackage("mmm", "2.0", PythonInstallKinds.Url, new Uri(fromFile).AbsoluteUri), packages);
        Assert.Contains(new PythonPackage("local-tool", "0.1.0", PythonInstallKinds.Editable, "file:///srv/src/local-tool"), packages);
        Assert.Contains(packages, p => p.Name == "pip");
    }

    [Theory]
    [InlineData("https://user:s3cret@example.com/x.whl", "https://example.com/x.whl")]
    [InlineData("https://example.com/x.whl?token=abc#sha256=1", "https://example.com/x.whl")]
    [InlineData("git+https://oauth2:tok@git.example.com/a/b.git", "git+https://git.example.com/a/b.git")]
    public void Urls_lose_their_credentials(string url, string shown) => Assert.Equal(shown, PythonPackagesReader.WithoutCredentials(url));

    [Fact]
    public void A_probe_that_printed_no_list_or_an_error_is_a_note_never_an_exception()
    {
        Assert.Equal((null, "Python packages not read: the probe printed no package list"), PythonPackagesReader.Parse("garbage\n"));
        var (none, why) = PythonPackagesReader.Parse("""COMFYDOCTOR-PACKAGES {"packages": null, "error": "ImportError: x"}""");
        Assert.Null(none);
        Assert.Equal("Python packages not read: ImportError: x", why);
        var (bad, note) = PythonPackagesReader.Parse("""COMFYDOCTOR-PACKAGES {"packages": [["a"]], "error": null}""");
        Assert.Null(bad);
        Assert.StartsWith("Python packages not read: unexpected output", note, StringComparison.Ordinal);
    }

    [Fact]
    public void Over_long_entries_are_left_out_with_a_note()
    {
        var longName = new string('x', 300);
        var (packages, note) = PythonPackagesReader.Parse(
            $$"""COMFYDOCTOR-PACKAGES {"packages": [["{{longName}}", "1.0", "wheel", null], ["ok", "1.0", "wheel", null]], "error": null}"""
        );

        Assert.Equal([new PythonPackage("ok", "1.0", PythonInstallKinds.Wheel, null)], packages);
        Assert.StartsWith("1 Python package(s) left out", note, StringComparison.Ordinal);
    }
}
