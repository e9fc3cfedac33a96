using ComfyDoctor.Agent.Installing;

namespace ComfyDoctor.Agent.Tests.Installing;

public sealed class SourcePolicyTests
{
    private static InstallPolicy Policy(bool allowUnlisted = false, string[]? prefixes = null, GitMirror[]? mirrors = null) =>
        InstallPolicy.CatalogOnly(["https://github.com/kijai/ComfyUI-KJNodes"]) with
        {
            AllowUnlisted = allowUnlisted,
            AllowedUrlPrefixes = prefixes ?? [],
            Mirrors = mirrors ?? [],
        };

    private static PackInstallRequest Request(string url, string name = "Pack") => new(name, url, null, ["Node"]);

    [Theory]
    [InlineData("https://github.com/kijai/ComfyUI-KJNodes")]
    [InlineData("https://github.com/Kijai/comfyui-kjnodes.git")]
    [InlineData("git@github.com:kijai/ComfyUI-KJNodes.git")]
    public void A_catalog_pack_is_allowed_in_any_spelling(string url)
    {
        var decision = SourcePolicy.Judge(Request(url), Policy());

        Assert.True(decision.Allowed, decision.Reason);
        Assert.Equal("listed in the catalog", decision.Reason);
    }

    [Fact]
    public void An_unlisted_repository_is_refused_with_the_reason()
    {
        var decision = SourcePolicy.Judge(Request("https://github.com/stranger/evil-nodes"), Policy());

        Assert.False(decision.Allowed);
        Assert.Contains("https://github.com/stranger/evil-nodes is not in the catalog", decision.Reason, StringComparison.Ordinal);
        Assert.Null(decision.CloneUrl);
    }

    [Fact]
    public void An_unlisted_repository_is_allowed_when_the_admin_allows_unlisted()
    {
        Assert.True(SourcePolicy.Judge(Request("https://github.com/stranger/nodes"), Policy(allowUnlisted: true)).Allowed);
    }

    [Fact]
    public void A_prefix_matches_whole_path_segments_only()
    {
        var policy = Policy(prefixes: ["https://github.com/my-org"]);

        Assert.True(SourcePolicy.Judge(Request("https://github.com/my-org/nodes"), policy).Allowed);
        Assert.False(SourcePolicy.Judge(Request("https://github.com/my-org-evil/nodes"), policy).Allowed);
    }

    [Fact]
    public void A_mirror_rewrites_the_clone_url_but_policy_judges_the_catalog_url()
    {
        var decision = SourcePolicy.Judge(
            Request("https://github.com/kijai/ComfyUI-KJNodes"),
            Policy(mirrors: [GitMirror.Parse("https://github.com/=file:///srv/git/")])
        );

        Assert.True(decision.Allowed);
        Assert.Equal("file:///srv/git/kijai/ComfyUI-KJNodes", decision.CloneUrl);
    }

    [Fact]
    public void The_longest_mirror_prefix_wins()
    {
        var url = GitMirror.Rewrite(
            "https://github.com/org/repo",
            [new GitMirror("https://github.com/", "file:///a/"), new GitMirror("https://github.com/org/", "file:///b/")]
        );

        Assert.Equal("file:///b/repo", url);
    }

    [Theory]
    [InlineData("https://github.com/")]
    [InlineData("=file:///x")]
    [InlineData("no-equals-sign")]
    public void A_malformed_mirror_is_refused(string text)
    {
        Assert.Throws<FormatException>(() => GitMirror.Parse(text));
    }

    [Theory]
    [InlineData("ext::sh -c touch% /tmp/pwned", "::")]
    [InlineData("ext::git-upload-pack", "::")]
    [InlineData("--upload-pack=touch /tmp/x", "whitespace")]
    [InlineData("-uevil", "starts with '-'")]
    [InlineData("/srv/git/repo", "local path")]
    [InlineData("../repo", "local path")]
    [InlineData("http://example.com/repo", "plain http")]
    [InlineData("git://example.com/repo", "scheme 'git'")]
    [InlineData("ftp://example.com/repo", "scheme 'ftp'")]
    [InlineData("file://host/srv/repo", "file URL with a host")]
    [InlineData("ssh://-oProxyCommand=x/repo", "")]
    [InlineData("https://github.com/a/b\nrm", "control")]
    public void Dangerous_or_unusable_urls_are_refused_even_when_unlisted_is_allowed(string url, string why)
    {
        var decision = SourcePolicy.Judge(Request(url), Policy(allowUnlisted: true));

        Assert.False(decision.Allowed);
        Assert.Contains(why, decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://github.com/a/b")]
    [InlineData("ssh://git@github.com/a/b.git")]
    [InlineData("git@github.com:a/b.git")]
    [InlineData("file:///srv/git/a/b.git")]
    [InlineData("http://127.0.0.1:8080/a/b")]
    public void Ordinary_git_urls_are_accepted(string url)
    {
        Assert.Null(SourcePolicy.CheckGitUrl(url));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData(".hidden")]
    [InlineData("pack.disabled")]
    [InlineData("")]
    [InlineData("-rf")]
    [InlineData("__pycache__")]
    public void A_pack_name_that_is_not_one_plain_folder_is_refused(string name)
    {
        var decision = SourcePolicy.Judge(Request("https://github.com/kijai/ComfyUI-KJNodes", name), Policy());

        Assert.False(decision.Allowed);
        Assert.Contains("pack name", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mirror_that_produces_an_unusable_url_is_refused()
    {
        var decision = SourcePolicy.Judge(
            Request("https://github.com/kijai/ComfyUI-KJNodes"),
            Policy(mirrors: [new GitMirror("https://github.com/", "ext::sh -c ")])
        );

        Assert.False(decision.Allowed);
        Assert.Contains("mirror rewrote it", decision.Reason, StringComparison.Ordinal);
    }
}
