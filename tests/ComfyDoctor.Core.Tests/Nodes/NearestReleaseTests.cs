using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Core.Tests.Nodes;

/// <summary>The documented policy for a semver pin that names no release: the nearest older release on the same line.</summary>
public sealed class NearestReleaseTests
{
    private static readonly NearestRelease.Release[] Releases =
    [
        new("v7.5.0", "c750", "tag v7.5.0"),
        new("v7.5.1", "c751", "tag v7.5.1"),
        new("7.6", "c76", "tag 7.6"),
        new("v7.6.1-rc1", "rc", "tag v7.6.1-rc1"),
        new("8.0.0", "c800", "pyproject.toml"),
        new("0.1.0", "c010", "tag 0.1.0"),
        new("0.2.3", "c023", "tag 0.2.3"),
        new("nightly", "n", "tag nightly"),
    ];

    [Theory]
    [InlineData("7.5.2", "c751")] // between 7.5.1 and 7.6: the nearest older
    [InlineData("v7.7.0", "c76")] // 7.6 is written with two parts
    [InlineData("7.6.2", "c76")] // a pre-release is never taken
    [InlineData("8.0.1", "c800")]
    [InlineData("0.2.9", "c023")]
    [InlineData("0.3.0", null)] // 0.x: another minor version may break, never crossed
    [InlineData("9.1.0", null)] // never across a major version
    [InlineData("7.4.0", null)] // never a newer release
    [InlineData("7.5.1-beta", null)] // not a plain version
    public void Chooses_the_nearest_older_release_of_the_same_line(string pin, string? commit) =>
        Assert.Equal(commit, NearestRelease.Choose(pin, Releases)?.Commit);

    [Theory]
    [InlineData("v1.2.3", new[] { 1, 2, 3 })]
    [InlineData("2", new[] { 2 })]
    [InlineData("1.2.3.4", new[] { 1, 2, 3, 4 })]
    [InlineData("1..2", null)]
    [InlineData("1.2.3-rc1", null)]
    [InlineData("abc", null)]
    public void Parses_plain_versions_only(string text, int[]? parts) => Assert.Equal(parts, NearestRelease.Parse(text));
}
