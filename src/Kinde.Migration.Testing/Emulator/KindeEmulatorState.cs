namespace Kinde.Migration.Testing.Emulator;

/// <summary>The data held by a <see cref="KindeEmulator"/>. Every member returns a consistent snapshot taken under the
/// emulator's lock, so tests may read it while requests are in flight.</summary>
/// <remarks>The business starts with one default organization, <see cref="DefaultOrganizationCode"/>. Users created
/// without <c>organization_code</c> are not added to it (the real policy is configurable in Kinde).</remarks>
public sealed class KindeEmulatorState
{
    internal const string DefaultOrgCode = "org_default0001";

    private long _nextId;

    internal KindeEmulatorState(TimeProvider timeProvider)
    {
        TimeProvider = timeProvider;
        var org = new OrgData(DefaultOrgCode) { Name = "Default Organization", IsDefault = true };
        OrgList.Add(org);
    }

    /// <summary>Gets the code of the default organization that every emulated business starts with.</summary>
    public string DefaultOrganizationCode => DefaultOrgCode;

    /// <summary>Gets how many access tokens <c>POST /oauth2/token</c> has issued.</summary>
    public int TokensIssued
    {
        get { lock (Gate) { return TokenCount; } }
    }

    /// <summary>Gets all users, in creation order.</summary>
    public IReadOnlyList<EmulatedUser> Users
    {
        get { lock (Gate) { return UserList.Select(u => u.Snapshot()).ToArray(); } }
    }

    /// <summary>Gets all organizations, the default one first.</summary>
    public IReadOnlyList<EmulatedOrganization> Organizations
    {
        get { lock (Gate) { return OrgList.Select(o => o.Snapshot()).ToArray(); } }
    }

    /// <summary>Gets all roles, in creation order.</summary>
    public IReadOnlyList<EmulatedRole> Roles
    {
        get { lock (Gate) { return RoleList.Select(r => r.Snapshot()).ToArray(); } }
    }

    /// <summary>Gets all permissions, in creation order.</summary>
    public IReadOnlyList<EmulatedPermission> Permissions
    {
        get { lock (Gate) { return PermissionList.ToArray(); } }
    }

    /// <summary>Gets all property definitions, in creation order.</summary>
    public IReadOnlyList<EmulatedProperty> Properties
    {
        get { lock (Gate) { return PropertyList.ToArray(); } }
    }

    /// <summary>Gets all property categories, in creation order.</summary>
    public IReadOnlyList<EmulatedPropertyCategory> PropertyCategories
    {
        get { lock (Gate) { return CategoryList.ToArray(); } }
    }

    internal object Gate { get; } = new();

    internal TimeProvider TimeProvider { get; }

    internal int TokenCount { get; set; }

    internal List<UserData> UserList { get; } = [];

    private readonly Dictionary<string, UserData> _usersById = new(StringComparer.Ordinal);

    private readonly Dictionary<string, UserData> _identityOwners = new(StringComparer.Ordinal);

    internal List<OrgData> OrgList { get; } = [];

    internal List<RoleData> RoleList { get; } = [];

    internal List<EmulatedPermission> PermissionList { get; } = [];

    internal List<EmulatedProperty> PropertyList { get; } = [];

    internal List<EmulatedPropertyCategory> CategoryList { get; } = [];

    /// <summary>Finds a user by id.</summary>
    /// <param name="id">The Kinde user id.</param>
    /// <returns>The user, or <see langword="null"/> when there is none with that id.</returns>
    public EmulatedUser? FindUser(string id)
    {
        lock (Gate)
        {
            return FindUserData(id)?.Snapshot();
        }
    }

    /// <summary>Finds the user that has an email identity equal to <paramref name="email"/>, ignoring case.</summary>
    /// <param name="email">The email address.</param>
    /// <returns>The user, or <see langword="null"/> when no user has that email.</returns>
    public EmulatedUser? FindUserByEmail(string email)
    {
        lock (Gate)
        {
            return FindIdentityOwner("email", email)?.Snapshot();
        }
    }

    /// <summary>Finds an organization by code.</summary>
    /// <param name="code">The organization code.</param>
    /// <returns>The organization, or <see langword="null"/> when there is none with that code.</returns>
    public EmulatedOrganization? FindOrganization(string code)
    {
        lock (Gate)
        {
            return FindOrg(code)?.Snapshot();
        }
    }

    internal string NewId(string prefix, int hexDigits)
    {
        long n = ++_nextId;
        return prefix + n.ToString("x" + hexDigits, System.Globalization.CultureInfo.InvariantCulture);
    }

    internal string NewUuid(int kind)
    {
        long n = ++_nextId;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"0190{kind:x4}-0000-7000-8000-{n:x12}");
    }

    internal UserData? FindUserData(string? id) => id is not null && _usersById.TryGetValue(id, out var user) ? user : null;

    internal OrgData? FindOrg(string? code) => code is null ? null : OrgList.Find(o => o.Code == code);

    internal UserData? FindIdentityOwner(string type, string value) => _identityOwners.GetValueOrDefault(IdentityKey(type, value));

    // Indexes kept beside the lists (which keep the creation order the API lists in), so a run over tens of thousands
    // of users does not scan them on every request.
    internal void AddUser(UserData user)
    {
        UserList.Add(user);
        _usersById.Add(user.Id, user);
        foreach (var identity in user.Identities)
        {
            _identityOwners.TryAdd(IdentityKey(identity.Type, identity.Value), user);
        }
    }

    internal void AddIdentity(UserData user, EmulatedIdentity identity)
    {
        user.Identities.Add(identity);
        _identityOwners.TryAdd(IdentityKey(identity.Type, identity.Value), user);
    }

    internal void RemoveUser(UserData user)
    {
        UserList.Remove(user);
        _usersById.Remove(user.Id);
        foreach (var identity in user.Identities)
        {
            _identityOwners.Remove(IdentityKey(identity.Type, identity.Value));
        }

        foreach (var org in OrgList)
        {
            org.RemoveMember(user.Id);
        }
    }

    private static string IdentityKey(string type, string value) => type + "\n" + value.ToUpperInvariant();

    internal sealed class UserData(string id, DateTimeOffset createdOn)
    {
        public string Id { get; } = id;

        public DateTimeOffset CreatedOn { get; } = createdOn;

        public string? ProvidedId { get; set; }

        public string? FirstName { get; set; }

        public string? LastName { get; set; }

        public string? Picture { get; set; }

        public bool IsSuspended { get; set; }

        public bool IsPasswordResetRequested { get; set; }

        public EmulatedPassword? Password { get; set; }

        public List<EmulatedIdentity> Identities { get; } = [];

        public Dictionary<string, string> Properties { get; } = new(StringComparer.Ordinal);

        public string? FirstOf(string type) => Identities.Find(i => i.Type == type)?.Value;

        public EmulatedUser Snapshot() => new(
            Id, ProvidedId, FirstName, LastName, Picture, IsSuspended, IsPasswordResetRequested, Identities.ToArray(), Password,
            new Dictionary<string, string>(Properties, StringComparer.Ordinal), CreatedOn);
    }

    internal sealed class OrgData(string code)
    {
        public string Code { get; } = code;

        public string? Name { get; set; }

        public string? ExternalId { get; set; }

        public string? Handle { get; set; }

        public bool IsDefault { get; init; }

        public bool IsAutoMembershipEnabled { get; set; }

        public DateTimeOffset? CreatedOn { get; set; }

        public List<MemberData> Members { get; } = [];

        private readonly Dictionary<string, MemberData> _memberIndex = new(StringComparer.Ordinal);

        public MemberData? FindMember(string userId) => _memberIndex.GetValueOrDefault(userId);

        public void AddMember(MemberData member)
        {
            if (_memberIndex.TryAdd(member.UserId, member))
            {
                Members.Add(member);
            }
        }

        public void RemoveMember(string userId)
        {
            if (_memberIndex.Remove(userId, out var member))
            {
                Members.Remove(member);
            }
        }

        public EmulatedOrganization Snapshot() => new(
            Code, Name, ExternalId, Handle, IsDefault,
            Members.Select(m => new EmulatedMembership(m.UserId, m.Roles.ToArray(), m.Permissions.ToArray())).ToArray());
    }

    internal sealed class MemberData(string userId, DateTimeOffset joinedOn)
    {
        public string UserId { get; } = userId;

        public DateTimeOffset JoinedOn { get; } = joinedOn;

        public List<string> Roles { get; } = [];

        public List<string> Permissions { get; } = [];
    }

    internal sealed class RoleData(string id, string key, string name)
    {
        public string Id { get; } = id;

        public string Key { get; } = key;

        public string Name { get; } = name;

        public string? Description { get; init; }

        public bool IsDefaultRole { get; init; }

        public List<string> PermissionIds { get; } = [];

        public EmulatedRole Snapshot() => new(Id, Key, Name, Description, IsDefaultRole, PermissionIds.ToArray());
    }
}
