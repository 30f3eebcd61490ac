using Kinde.Migration.Auth0;

namespace Kinde.Migration.Joining;

/// <summary>What the join needs of a user: its id, email, and the <c>auth0|…</c> ids of its linked database identities.</summary>
/// <param name="UserId">The Auth0 <c>user_id</c>.</param>
/// <param name="Email">The root email.</param>
/// <param name="LinkedAuth0Ids">The <c>auth0|id</c> of every <c>identities[]</c> entry with provider <c>auth0</c>.</param>
internal readonly record struct UserKeys(string? UserId, string? Email, IReadOnlyList<string>? LinkedAuth0Ids)
{
    public static UserKeys Of(Auth0User user) => new(user.UserId, user.Email, LinkedAuth0IdsOf(user));

    public static IReadOnlyList<string>? LinkedAuth0IdsOf(Auth0User user)
    {
        List<string>? ids = null;
        foreach (var identity in user.Identities)
        {
            if (string.Equals(identity.Provider, "auth0", StringComparison.Ordinal) && identity.UserId is { } id)
            {
                (ids ??= []).Add("auth0|" + id);
            }
        }

        return ids;
    }
}
