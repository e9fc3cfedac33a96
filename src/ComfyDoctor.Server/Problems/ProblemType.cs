using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ComfyDoctor.Server.Problems;

/// <summary>
/// One kind of refusal: its stable <c>type</c> (<c>urn:comfydoctor:problem:SLUG</c>, listed in README's API section), the
/// status it is always answered with, and a short title. A client tells refusals apart by <see cref="Uri"/>, never by wording.
/// </summary>
public sealed record ProblemType(string Slug, int Status, string Title)
{
    public const string Prefix = Core.Protocol.ProblemText.TypePrefix;

    public string Uri => Prefix + Slug;

    /// <summary>This refusal, with the reason in words.</summary>
    public Refusal Because(string detail) => new(this, detail);

    /// <summary>This refusal of one field of the request: answered as a validation problem whose <c>errors</c> name it.</summary>
    public Refusal Of(string field, string detail) => new(this, detail, field);
}

/// <summary>A request the server refused, as a service says it: the kind, the reason and, for a bad field, its name.
/// Endpoints answer it as a problem (RFC 9457); dashboard forms show <see cref="Detail"/> on the page they return to.</summary>
public sealed record Refusal(ProblemType Type, string Detail, string? Field = null)
{
    public ProblemHttpResult ToProblem()
    {
        var problem = Field is null
            ? new ProblemDetails()
            : new HttpValidationProblemDetails(new Dictionary<string, string[]> { [Field] = [Detail] });
        (problem.Type, problem.Title, problem.Status, problem.Detail) = (Type.Uri, Type.Title, Type.Status, Detail);
        return TypedResults.Problem(problem);
    }
}

/// <summary>What a service answers: the value, or why there is none.</summary>
public readonly record struct Outcome<T>(T? Value, Refusal? Refusal)
{
    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(Refusal refusal) => new(default, refusal);
}
