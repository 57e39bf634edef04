// Creates ACLs with Kafka's own Admin client: run as a single-file program by streams/secure_broker.py,
//   java -cp '.kafka/libs/*' broker/CreateAcls.java admin-client.properties < rules.tsv
// where each stdin line is: principal TAB resourceType TAB patternType TAB name TAB operation.
// (aiokafka only speaks CreateAcls v0-v1, which Kafka 4 no longer accepts.)

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

public class CreateAcls {
    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        try (FileInputStream in = new FileInputStream(args[0])) {
            props.load(in);
        }
        List<AclBinding> bindings = new ArrayList<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(System.in));
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            if (line.isBlank()) continue;
            String[] f = line.split("\t");
            ResourcePattern resource = new ResourcePattern(
                ResourceType.fromString(f[1]), f[3], PatternType.fromString(f[2]));
            AccessControlEntry entry = new AccessControlEntry(
                f[0], "*", AclOperation.fromString(f[4]), AclPermissionType.ALLOW);
            bindings.add(new AclBinding(resource, entry));
        }
        try (Admin admin = Admin.create(props)) {
            admin.createAcls(bindings).all().get();
        }
        System.out.println("created " + bindings.size() + " ACLs");
    }
}
