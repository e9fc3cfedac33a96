using ComfyDoctor.Agent.Installing;
using ComfyDoctor.Agent.Tests.Installing.Fixtures;

namespace ComfyDoctor.Agent.Tests.Installing;

public sealed class RequirementsGuardTests : IDisposable
{
    private readonly Sandbox _sandbox = new();

    private static InstallPolicy Policy(bool directReferences = false) =>
        InstallPolicy.CatalogOnly([]) with
        {
            AllowDirectReferences = directReferences,
        };

    private IReadOnlyList<string> Check(string requirements, InstallPolicy? policy = null)
    {
        var pack = _sandbox.Combine("pack");
        Directory.CreateDirectory(pack);
        File.WriteAllText(Path.Combine(pack, "requirements.txt"), requirements);
        return RequirementsGuard.Check(Path.Combine(pack, "requirements.txt"), pack, policy ?? Policy());
    }

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public void Ordinary_requirements_pass()
    {
        var problems = Check(
            "# comment\nnumpy\nopencv-python>=4.8 # inline comment\nPillow[extra] ==10.0.0 ; python_version >= '3.8'\n"
                + "ultralytics>=8.3.0\nscipy==1.11.0 \\\n  --hash=sha256:abc\n--prefer-binary\n"
        );

        Assert.Empty(problems);
    }

    [Theory]
    [InlineData("ultralytics==8.3.41")]
    [InlineData("Ultralytics === 8.3.46")]
    [InlineData("ultralytics>=8.0,==8.3.42")]
    public void A_pinned_compromised_release_is_refused_naming_file_and_line(string line)
    {
        var problems = Check("numpy\n" + line + "\n");

        var problem = Assert.Single(problems);
        Assert.StartsWith("requirements.txt line 2:", problem, StringComparison.Ordinal);
        Assert.Contains("known-compromised", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--index-url https://evil.example/simple")]
    [InlineData("-i https://evil.example/simple")]
    [InlineData("--extra-index-url=https://evil.example/simple")]
    [InlineData("--find-links /tmp")]
    [InlineData("--trusted-host evil.example")]
    [InlineData("-e git+https://github.com/a/b")]
    [InlineData("--editable .")]
    [InlineData("numpy --global-option=--x")]
    [InlineData("${EVIL_URL}")]
    public void Options_that_change_where_packages_come_from_are_refused(string line)
    {
        Assert.NotEmpty(Check(line + "\n"));
    }

    [Theory]
    [InlineData("pkg @ https://example.com/pkg.whl")]
    [InlineData("git+https://github.com/a/b.git")]
    [InlineData("https://example.com/pkg-1.0.tar.gz")]
    [InlineData("./local_pkg")]
    [InlineData("pkg-1.0-py3-none-any.whl")]
    public void Direct_references_are_refused_unless_allowed(string line)
    {
        Assert.Contains("URL, VCS or local-path", Assert.Single(Check(line + "\n")), StringComparison.Ordinal);
        Assert.Empty(Check(line + "\n", Policy(directReferences: true)));
    }

    [Fact]
    public void A_nested_requirements_file_inside_the_pack_is_checked_too()
    {
        var pack = _sandbox.Combine("pack");
        Directory.CreateDirectory(Path.Combine(pack, "reqs"));
        File.WriteAllText(Path.Combine(pack, "reqs", "more.txt"), "ok\nultralytics==8.3.45\n");

        var problems = Check("-r reqs/more.txt\n");

        Assert.Contains(problems, p => p.StartsWith("reqs/more.txt line 2:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("-r ../../outside.txt")]
    [InlineData("-r /etc/passwd")]
    [InlineData("-c https://evil.example/c.txt")]
    public void A_nested_file_outside_the_pack_is_refused(string line)
    {
        Assert.Contains("outside the pack", Assert.Single(Check(line + "\n")), StringComparison.Ordinal);
    }

    [Fact]
    public void Constraints_pin_protected_packages_and_exclude_denied_releases()
    {
        var installed = PipSnapshot.Parse(
            """
            [{"name": "torch", "version": "2.1.0+cu121"}, {"name": "NumPy", "version": "1.26.4"},
             {"name": "pillow", "version": "10.0.0"}]
            """
        );

        var lines = ConstraintsFile.Lines(installed, InstallPolicy.DefaultDeniedRequirements);

        Assert.Equal(
            [
                "torch==2.1.0+cu121",
                "numpy==1.26.4",
                "ultralytics!=8.3.41",
                "ultralytics!=8.3.42",
                "ultralytics!=8.3.45",
                "ultralytics!=8.3.46",
            ],
            lines
        );
    }

    [Fact]
    public void Snapshot_changes_name_added_removed_and_changed_packages()
    {
        var before = PipSnapshot.Parse("""[{"name": "torch", "version": "2.0.0"}, {"name": "gone", "version": "1.0"}]""");
        var after = PipSnapshot.Parse("""[{"name": "torch", "version": "9.9.0"}, {"name": "new_pkg", "version": "0.1"}]""");

        Assert.Equal(["added new_pkg 0.1", "removed gone 1.0", "torch 2.0.0 -> 9.9.0"], after.ChangesSince(before).Describe());
        Assert.Throws<FormatException>(() => PipSnapshot.Parse("not json"));
    }
}
