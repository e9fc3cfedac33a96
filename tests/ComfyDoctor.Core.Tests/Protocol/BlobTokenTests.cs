using ComfyDoctor.Core.Protocol;

namespace ComfyDoctor.Core.Tests.Protocol;

public sealed class BlobTokenTests
{
    private const string Key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Fact]
    public void A_token_signed_with_the_key_is_valid_until_it_expires()
    {
        var now = DateTimeOffset.UtcNow;
        var token = BlobToken.Issue(Key, now.AddHours(6));

        Assert.True(BlobToken.IsValid(Key, token, now));
        Assert.False(BlobToken.IsValid(Key, token, now.AddHours(7)));
        Assert.False(BlobToken.IsValid(Key.Replace('0', '1'), token, now));
    }

    [Fact]
    public void A_token_claiming_more_than_a_day_is_refused_even_with_the_right_key()
    {
        var now = DateTimeOffset.UtcNow;

        Assert.False(BlobToken.IsValid(Key, BlobToken.Issue(Key, now.AddYears(1)), now)); // issue 16: a forged year-long token
        Assert.True(BlobToken.IsValid(Key, BlobToken.Issue(Key, now + BlobToken.MaxLifetime), now));
    }
}
