using ComfyDoctor.Core.Diagnosis;
using ComfyDoctor.Core.Protocol;

namespace ComfyDoctor.Core.Tests.Diagnosis;

public sealed class AgentRulesTests
{
    [Theory]
    [InlineData("0.9.0", "0.10.0")]
    [InlineData("0.1.0", "0.1.1")]
    [InlineData("1.2.3-rc1", "1.2.4+abc")]
    public void An_older_agent_is_outdated_and_yellow(string agent, string server)
    {
        var finding = Assert.Single(AgentRules.Check(agent, server));
        Assert.Equal(
            (FindingCodes.AgentOutdated, Severity.Warning, HealthCategory.Runtime),
            (finding.Code, finding.Severity, finding.Category)
        );
        Assert.Contains(server, finding.Message, StringComparison.Ordinal);
        Assert.Contains("deploy", finding.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.10.0", "0.9.0")] // newer: numbers, not text
    [InlineData("0.1.0", "0.1.0")]
    [InlineData("0.1.0+dev", "0.1.0+abc")] // the same version from another commit
    [InlineData(null, "0.1.0")] // said no version: cannot be compared
    [InlineData("nightly", "0.1.0")]
    public void The_same_a_newer_or_an_unknown_version_is_not(string? agent, string server) =>
        Assert.Empty(AgentRules.Check(agent, server));

    [Fact]
    public void A_build_without_a_commit_says_dev()
    {
        Assert.Equal(("0.1.0", "abc123"), BuildInfo.Split("0.1.0+abc123"));
        Assert.Equal(("0.1.0", "dev"), BuildInfo.Split("0.1.0"));
        Assert.Equal("dev", BuildInfo.Current.Commit); // a test build is not given a commit (scripts/publish.sh gives one)
        Assert.Equal(
            $"comfydoctor {BuildInfo.Current.Version} (commit dev, linux-x64)",
            (BuildInfo.Current with { Os = "linux", Arch = "x64" }).Describe("comfydoctor")
        );
    }
}
