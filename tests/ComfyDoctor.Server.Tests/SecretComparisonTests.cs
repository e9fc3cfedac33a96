using ComfyDoctor.Server.Security;

namespace ComfyDoctor.Server.Tests;

/// <summary>The one comparison every token and the dashboard's sign-in go through.</summary>
public sealed class SecretComparisonTests
{
    [Theory]
    [InlineData("s3cret", "s3cret", true)]
    [InlineData("s3cret", "s3creT", false)]
    [InlineData("s3cre", "s3cret", false)]
    [InlineData("s3crets", "s3cret", false)]
    [InlineData("ünïcode", "ünïcode", true)]
    public void Equal_secrets_match_and_any_difference_does_not(string given, string expected, bool matches) =>
        Assert.Equal(matches, SecretComparison.Matches(given, expected));

    [Fact]
    public void A_missing_secret_on_either_side_never_matches()
    {
        Assert.False(SecretComparison.Matches(null, "s3cret"));
        Assert.False(SecretComparison.Matches("s3cret", null));
        Assert.False(SecretComparison.Matches(null, null));
    }
}
