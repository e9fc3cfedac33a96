using ComfyDoctor.Core.Text;

namespace ComfyDoctor.Core.Tests.Text;

/// <summary>Issue 19.4: the credentials a pip line or a pack URL can carry are hidden wherever text is shown.</summary>
public sealed class UrlCredentialsTests
{
    [Theory]
    [InlineData("git+https://ci:ghp_abc123@github.com/org/private.git@v1#egg=x", "git+https://***@github.com/org/private.git@v1#egg=x")]
    [InlineData("--index-url https://user:p%40ss@pypi.corp.test/simple", "--index-url https://***@pypi.corp.test/simple")]
    [InlineData("--extra-index-url=https://u:p@h.test/simple numpy==1", "--extra-index-url=https://***@h.test/simple numpy==1")]
    [InlineData("https://ghp_tokenonly@github.com/org/repo", "https://***@github.com/org/repo")]
    [InlineData("\"https:\\/\\/u:p@h.test\\/x\"", "\"https:\\/\\/***@h.test\\/x\"")]
    [InlineData("https://h.test/w.whl?X-Amz-Signature=abc123&v=2", "https://h.test/w.whl?X-Amz-Signature=***&v=2")]
    [InlineData("https://h.test/simple?token=s3cret", "https://h.test/simple?token=***")]
    [InlineData(
        "a @ https://u:p@h.test/a.whl and b @ https://v:q@h.test/b.whl",
        "a @ https://***@h.test/a.whl and b @ https://***@h.test/b.whl"
    )]
    public void Credentials_in_urls_are_replaced_wherever_they_are(string text, string shown)
    {
        Assert.Equal(shown, UrlCredentials.Redact(text));
        Assert.True(UrlCredentials.Carries(text));
        Assert.False(UrlCredentials.Carries(shown)); // hiding twice changes nothing
    }

    [Theory]
    [InlineData("git+ssh://git@github.com/org/repo.git")]
    [InlineData("git@github.com:org/repo.git")]
    [InlineData("numpy==1.26.4")]
    [InlineData("https://github.com/org/repo@v1.2")]
    [InlineData("https://h.test/pkg.whl#sha256=abc")]
    [InlineData("user@example.com wrote: a==1")]
    public void Text_without_credentials_is_left_as_it_is(string text)
    {
        Assert.Equal(text, UrlCredentials.Redact(text));
        Assert.False(UrlCredentials.Carries(text));
    }
}
