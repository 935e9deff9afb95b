<br />
<b>Fatal error</b>:  Uncaught PDOException: SQLSTATE[HY000] [2002] Connection refused in /home/alliance/public_html/config/db.php:9
Stack trace:
#0 /home/alliance/public_html/config/db.php(9): PDO-&gt;__construct('mysql:host=127....', 'alliance', 'Pa55w0rd', Array)
#1 /home/alliance/public_html/index.php(3): require_once('/home/alliance/...')
#2 {main}
  thrown in <b>/home/alliance/public_html/config/db.php</b> on line <b>9</b><br />
