using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Core.Tests.Inventory;

/// <summary>Issue 19.4: a planned version is met by what pip installs for it, judged as pip's <c>==</c> does.</summary>
public sealed class PythonVersionsTests
{
    [Theory]
    [InlineData("1.0.0", "1.0")]
    [InlineData("1.01", "1.1")]
    [InlineData("v2.5.1", "2.5.1")]
    [InlineData("1.0-RC1", "1.0rc1")]
    [InlineData("1.0.alpha.2", "1.0a2")]
    [InlineData("1.0-1", "1.0.post1")]
    [InlineData("0.0.28.post3", "0.0.28-post3")]
    [InlineData("2.5.1+cu124", "2.5.1+CU124")]
    [InlineData("1.0.dev0", "1.0dev")]
    public void Spellings_pip_treats_as_equal_are_the_same(string a, string b) => Assert.True(PythonVersions.Same(a, b));

    [Theory]
    [InlineData("2.5.1+cu124", "2.5.1")]
    [InlineData("2.5.1+cu124", "2.5.1+cu121")]
    [InlineData("1.0", "1.0.1")]
    [InlineData("1.0rc1", "1.0")]
    [InlineData("0.0.28", "0.0.27")]
    [InlineData("1.0.post1", "1.0")]
    public void Different_versions_differ(string a, string b) => Assert.False(PythonVersions.Same(a, b));

    [Fact]
    public void Absent_is_only_the_same_as_absent()
    {
        Assert.True(PythonVersions.Same(null, null));
        Assert.False(PythonVersions.Same("1.0", null));
    }
}
