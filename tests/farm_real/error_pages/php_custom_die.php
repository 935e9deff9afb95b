<html><head><meta charset="utf-8"></head><body>
<br />
<b>Warning</b>:  mysql_connect(): Can't connect to local MySQL server through socket '/var/lib/mysql/mysql.sock' (2) in <b>D:\AppServ\www\alliance\conn.php</b> on line <b>3</b><br />
無法連上主機，請通知網站管理員
</body></html>
