namespace Kinde.Migration.Auth0;

/// <summary>An entry of <c>identifiers[]</c> in the password-hash export.</summary>
/// <param name="Type">The identifier type, e.g. <c>email</c> or <c>username</c>.</param>
/// <param name="Value">The identifier value.</param>
/// <param name="Verified">Whether it was verified, when given.</param>
public sealed record Auth0Identifier(string? Type, string? Value, bool? Verified);
