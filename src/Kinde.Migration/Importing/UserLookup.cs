using Kinde.Migration.KindeApi;
using Kinde.Migration.Target;

namespace Kinde.Migration.Importing;

/// <summary>How a user is found in Kinde: by its email, else its phone, else its username (Kinde lists users by any of
/// them, several per request). A user with none of them (for example social-only) cannot be looked up.</summary>
internal static class UserLookup
{
    /// <summary>The user's lookup key, or <see langword="null"/> when it has no email, phone or username.</summary>
    public static string? Key(KindeUser user) =>
        user.Email is { } email ? "email:" + email
        : user.Phone is { } phone ? "phone:" + phone
        : user.Username is { } username ? "username:" + username
        : null;

    /// <summary>Looks the users up with one request per kind; returns lookup key → Kinde user id (keys compare
    /// case-insensitively, as emails and usernames do). Kinde lists a user under its first email only, so a user found
    /// through a later email identity is missed here; <see cref="FindAsync"/> catches that case.</summary>
    public static async Task<Dictionary<string, string>> FindAllAsync(IKindeApi api, IEnumerable<KindeUser> users, CancellationToken ct)
    {
        var list = users.ToList();
        var emails = list.Select(u => u.Email).OfType<string>().ToList();
        var phones = list.Where(u => u.Email is null).Select(u => u.Phone).OfType<string>().ToList();
        var usernames = list.Where(u => u.Email is null && u.Phone is null).Select(u => u.Username).OfType<string>().ToList();
        var found = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var user in emails.Count == 0 ? [] : await api.GetUsersByEmailAsync(emails, ct).ConfigureAwait(false))
        {
            Add("email:", user.Email, user.Id);
        }

        foreach (var user in phones.Count == 0 ? [] : await api.GetUsersByPhoneAsync(phones, ct).ConfigureAwait(false))
        {
            Add("phone:", user.Phone, user.Id);
        }

        foreach (var user in usernames.Count == 0 ? [] : await api.GetUsersByUsernameAsync(usernames, ct).ConfigureAwait(false))
        {
            Add("username:", user.Username, user.Id);
        }

        return found;

        void Add(string kind, string? value, string id)
        {
            if (value is not null)
            {
                found.TryAdd(kind + value, id);
            }
        }
    }

    /// <summary>Looks one user up; its Kinde id, or <see langword="null"/> when Kinde does not have it. A lookup for one
    /// value that answers exactly one user is that user, whichever of its identities matched.</summary>
    public static async Task<string?> FindAsync(IKindeApi api, KindeUser user, CancellationToken ct)
    {
        IReadOnlyList<KindeUserRef> found =
            user.Email is { } email ? await api.GetUsersByEmailAsync([email], ct).ConfigureAwait(false)
            : user.Phone is { } phone ? await api.GetUsersByPhoneAsync([phone], ct).ConfigureAwait(false)
            : user.Username is { } username ? await api.GetUsersByUsernameAsync([username], ct).ConfigureAwait(false)
            : [];
        return found.Count == 1 ? found[0].Id : found.FirstOrDefault(u => Lists(u, user))?.Id;
    }

    private static bool Lists(KindeUserRef listed, KindeUser user) =>
        (user.Email is not null && string.Equals(listed.Email, user.Email, StringComparison.OrdinalIgnoreCase))
        || (user.Email is null && listed.Phone == user.Phone && user.Phone is not null)
        || (user.Email is null && user.Phone is null && string.Equals(listed.Username, user.Username, StringComparison.OrdinalIgnoreCase));
}
