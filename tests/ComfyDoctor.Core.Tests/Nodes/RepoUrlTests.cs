using ComfyDoctor.Core.Nodes;

namespace ComfyDoctor.Core.Tests.Nodes;

public sealed class RepoUrlTests
{
    [Theory]
    [InlineData("git@github.com:Kijai/ComfyUI-KJNodes.git", "https://github.com/Kijai/ComfyUI-KJNodes")]
    [InlineData("https://user:secret@GitHub.com/kijai/ComfyUI-KJNodes/", "https://github.com/kijai/ComfyUI-KJNodes")]
    [InlineData("https://github.com/kijai/ComfyUI-KJNodes.git", "https://github.com/kijai/ComfyUI-KJNodes")]
    [InlineData("ssh://git@github.com/a/b.git", "https://github.com/a/b")]
    [InlineData("file:///srv/git/pack.git", "file:///srv/git/pack")]
    public void Normalises(string input, string expected) => Assert.Equal(expected, RepoUrl.Normalize(input));

    [Fact]
    public void Compares_ignoring_case_and_form()
    {
        Assert.True(RepoUrl.SameRepo("git@github.com:cubiq/ComfyUI_essentials.git", "https://github.com/Cubiq/comfyui_essentials"));
        Assert.False(RepoUrl.SameRepo("https://github.com/a/b", "https://github.com/a/c"));
        Assert.Equal("ComfyUI-KJNodes", RepoUrl.RepoName("https://github.com/kijai/ComfyUI-KJNodes.git"));
        Assert.Equal("kijai/ComfyUI-KJNodes", RepoUrl.OwnerAndRepo("https://github.com/kijai/ComfyUI-KJNodes"));
    }
}
